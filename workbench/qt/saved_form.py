"""A form whose values are kept between runs under one key (QSettings plus the keychain)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping

from workbench.core.formspec import FormSpec
from workbench.qt.aio import spawn
from workbench.qt.connector_values import ConnectorValues
from workbench.qt.form_pane import ConnectorForm


class SavedForm:
    """Shows a spec in `form`, fills in what was saved under `key`, and saves it back.

    Fields named in `not_kept` are never saved (a customer's password)."""

    def __init__(self, form: ConnectorForm, values: ConnectorValues,
                 not_kept: Collection[str] = ()) -> None:
        self.form = form
        self._values = values
        self._not_kept = tuple(not_kept)
        self.key = ""  # empty: nothing shown
        self.loaded = False  # the keychain has answered for the key shown
        self._on_loaded: Callable[[], None] | None = None

    def show(self, key: str, spec: FormSpec,
             on_loaded: Callable[[], None] | None = None) -> None:
        self.key, self.loaded, self._on_loaded = key, False, on_loaded
        self.form.set_spec(spec, spec.with_defaults({}))
        spawn(self._load(key))

    async def _load(self, key: str) -> None:
        saved = await self._values.load(key, self.form.spec)
        if key != self.key:
            return  # the user moved on meanwhile
        for name, value in saved.items():
            self.form.set_value(name, value)
        self.loaded = True
        if self._on_loaded is not None:
            self._on_loaded()

    def save_now(self) -> None:
        if self.key:
            spawn(self._values.save(self.key, self.form.spec, self._kept(self.form.values())))

    async def save_secret(self, name: str, value: str) -> None:
        await self._values.save_secret(self.key, name, value)

    def _kept(self, values: Mapping[str, str]) -> dict[str, str]:
        return {**values, **{name: "" for name in self._not_kept}}
