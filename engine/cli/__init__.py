"""The ``mera`` command. Rule authors' commands live here and need neither Flask nor a database;
other packages add their commands through the ``mera.commands`` entry-point group, loaded
only when asked for, so ``mera rules check`` never imports the web or the register.
"""

from __future__ import annotations

import sys
from importlib.metadata import entry_points

import click

from engine.cli.calc import calc, trace
from engine.cli.rules import rules


class MeraGroup(click.Group):
    """Built-in commands plus commands registered by other packages (entry points)."""

    plugin_group = "mera.commands"

    def _plugins(self) -> dict[str, object]:
        return {ep.name: ep for ep in entry_points(group=self.plugin_group)}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(self._plugins()))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        command = super().get_command(ctx, name)
        if command is not None:
            return command
        plugin = self._plugins().get(name)
        return plugin.load() if plugin is not None else None  # type: ignore[attr-defined]


@click.group(cls=MeraGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="mera")
def main() -> None:
    """Mera: benefits rules as readable YAML, evaluated with a trace.

    Rule authors: `mera rules check`, `mera calc`, `mera trace`, `mera rules watch`.
    """
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None and (stream.encoding or "").lower() not in ("utf-8", "utf8"):
            reconfigure(encoding="utf-8")


from engine.cli.bench import bench  # noqa: E402  (bench extends MeraGroup)

main.add_command(rules)
main.add_command(calc)
main.add_command(trace)
main.add_command(bench)

__all__ = ["main"]
