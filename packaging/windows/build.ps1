# Build the Windows installer: bundle (PyInstaller), smoke test, Inno Setup.
#   powershell -ExecutionPolicy Bypass -File packaging\windows\build.ps1 [-Sign]
# Needs: Python 3.11 x64 (python.org), Inno Setup 6 (ISCC.exe), and for -Sign the Windows SDK's
# signtool with a code-signing certificate. Output: dist\connection-workbench-<v>-windows-x64-setup.exe
# Step by step, and what each step checks: docs/packaging.md.
param([switch]$Sign, [string]$Python = "py -3.11")
$ErrorActionPreference = "Stop"
Set-Location (Resolve-Path "$PSScriptRoot\..\..")

function Run([string]$Exe, [string[]]$Arguments) {
    & $Exe @Arguments
    if ($LASTEXITCODE -ne 0) { throw "$Exe $Arguments failed ($LASTEXITCODE)" }
}

# 1. A clean virtual environment with the app and PyInstaller (never build from a dev venv).
if (-not (Test-Path .venv-package)) { Invoke-Expression "$Python -m venv .venv-package" }
$py = ".venv-package\Scripts\python.exe"
Run $py @("-m", "pip", "install", "--quiet", "--upgrade", "pip")
Run $py @("-m", "pip", "install", "--quiet", "-e", ".[package]")

# 2. The version, from workbench.__version__ (the one source).
$version = (& $py -c "import sys; sys.path.insert(0, 'packaging'); import workbench_bundle as wb; print(wb.version())").Trim()
$numeric = (& $py -c "import sys; sys.path.insert(0, 'packaging'); import workbench_bundle as wb; print('.'.join(map(str, wb.numeric_version())))").Trim()
Write-Host "==> Connection Workbench $version"

# 3. The one-folder bundle: build\windows\dist\workbench\ (workbench.exe + Connection Workbench.exe).
Run $py @("-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
          "--distpath", "build\windows\dist", "--workpath", "build\windows\work",
          "packaging\windows\workbench.spec")
$bundle = "build\windows\dist\workbench"

# 4. Smoke test the bundle before packing it.
$reported = (& "$bundle\workbench.exe" --version).Trim()
if ($reported -ne "workbench $version") { throw "bundle reports '$reported'" }
$env:QT_QPA_PLATFORM = "offscreen"
Run "$bundle\workbench.exe" @("gui", "--smoke")
Remove-Item Env:\QT_QPA_PLATFORM
Run "$bundle\workbench.exe" @("demo")

# 5. Optional: sign both executables before they go into the installer.
if ($Sign) {
    Run signtool @("sign", "/fd", "sha256", "/tr", "http://timestamp.digicert.com", "/td", "sha256",
                   "/a", "$bundle\workbench.exe", "$bundle\Connection Workbench.exe")
}

# 6. The installer.
$iscc = Join-Path ${env:ProgramFiles(x86)} "Inno Setup 6\ISCC.exe"
Run $iscc @("/Qp", "/DAppVersion=$version", "/DAppVersionNumeric=$numeric", "packaging\windows\workbench.iss")
$setup = "dist\connection-workbench-$version-windows-x64-setup.exe"
if ($Sign) {
    Run signtool @("sign", "/fd", "sha256", "/tr", "http://timestamp.digicert.com", "/td", "sha256", "/a", $setup)
}
$size = [math]::Round((Get-Item $setup).Length / 1MB)
$bundleSize = [math]::Round(((Get-ChildItem $bundle -Recurse -File | Measure-Object Length -Sum).Sum) / 1MB)
Write-Host "==> $setup ($size MB; bundle $bundleSize MB)"
