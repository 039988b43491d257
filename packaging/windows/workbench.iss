; Inno Setup 6 script: the Windows installer for the bundle in build\windows\dist\workbench.
; Run by build.ps1, which passes the version from workbench.__version__ (the one source):
;   ISCC.exe /DAppVersion=<version> /DAppVersionNumeric=<a.b.c.d> packaging\windows\workbench.iss
; Per-user install by default (no admin prompt); "Install for all users" is offered.

#ifndef AppVersion
  #error Pass /DAppVersion=<workbench.__version__> (packaging\windows\build.ps1 does)
#endif
#ifndef AppVersionNumeric
  #define AppVersionNumeric "0.0.0.0"
#endif
#define AppName "Connection Workbench"
#define GuiExe "Connection Workbench.exe"
#define Root "..\.."

[Setup]
; Never change AppId: it is how upgrades and the uninstaller find an installed copy.
AppId={{6F1E5B8A-3C2D-4E7F-9A41-7B2C8D0E5F13}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher={#AppName}
VersionInfoVersion={#AppVersionNumeric}
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir={#Root}\dist
OutputBaseFilename=connection-workbench-{#AppVersion}-windows-x64-setup
SetupIconFile={#Root}\build\windows\work\workbench\workbench.ico
UninstallDisplayIcon={app}\{#GuiExe}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
ChangesEnvironment=yes
CloseApplications=yes

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked
Name: "addtopath"; Description: "Add the workbench command to PATH (for terminals and scripts)"; Flags: unchecked

[Files]
Source: "{#Root}\build\windows\dist\workbench\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[InstallDelete]
; An upgrade replaces the bundle: no libraries left over from the previous version.
Type: filesandordirs; Name: "{app}\_internal"

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#GuiExe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#GuiExe}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#GuiExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[Code]
{ PATH: the user's (per-user install) or the machine's (all users), added and removed by us only. }
function EnvironmentRoot: Integer;
begin
  if IsAdminInstallMode then Result := HKEY_LOCAL_MACHINE else Result := HKEY_CURRENT_USER;
end;

function EnvironmentKey: String;
begin
  if IsAdminInstallMode then
    Result := 'SYSTEM\CurrentControlSet\Control\Session Manager\Environment'
  else
    Result := 'Environment';
end;

procedure UpdatePath(Add: Boolean);
var
  Path, Dir: String;
  Index: Integer;
begin
  Dir := ExpandConstant('{app}');
  if not RegQueryStringValue(EnvironmentRoot, EnvironmentKey, 'Path', Path) then Path := '';
  Index := Pos(';' + Uppercase(Dir) + ';', ';' + Uppercase(Path) + ';');
  if Add and (Index = 0) then begin
    if (Path <> '') and (Copy(Path, Length(Path), 1) <> ';') then Path := Path + ';';
    RegWriteExpandStringValue(EnvironmentRoot, EnvironmentKey, 'Path', Path + Dir);
  end else if (not Add) and (Index > 0) then begin
    Delete(Path, Index, Length(Dir) + 1);
    if Copy(Path, Length(Path), 1) = ';' then Delete(Path, Length(Path), 1);
    RegWriteExpandStringValue(EnvironmentRoot, EnvironmentKey, 'Path', Path);
  end;
end;

procedure CurStepChanged(CurStep: TSetupStep);
begin
  if (CurStep = ssPostInstall) and WizardIsTaskSelected('addtopath') then UpdatePath(True);
end;

procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
begin
  if CurUninstallStep = usPostUninstall then UpdatePath(False);
end;
