"""Plugins add CLI commands (register_commands) and doctor checks (register_doctor_checks)."""
from __future__ import annotations

import subprocess
import sys

import click
from click.testing import CliRunner
from codex_ml import doctor
from codex_ml.plugins import hookimpl
from codex_ml.testing import isolated_host, register_plugin


@click.command("hello")
def hello() -> None:
    """Say hello."""
    click.echo("hello from a plugin")


class CommandPlugin:
    @hookimpl
    def register_commands(self, cli):
        from codex_ml.cli.lazy import LazyCommand

        cli.add_command(LazyCommand("hello", f"{__name__}:hello", "Say hello."))
        cli.add_to_group("catalogue", LazyCommand("extra", f"{__name__}:hello", "An extra catalogue command."))


class ClashingPlugin:
    @hookimpl
    def register_commands(self, cli):
        cli.add_command(hello, name="train")


def _fresh_cli():
    from codex_ml.cli.main import LazyGroup, cli

    return LazyGroup(name="codex-ml", commands={}, params=cli.params, callback=cli.callback)


def test_plugin_commands_are_listed_run_and_extend_core_groups():
    with isolated_host() as host:
        register_plugin(host, CommandPlugin(), distribution="acme")
        runner = CliRunner()
        group = _fresh_cli()
        assert "hello" in runner.invoke(group, ["--help"]).output
        assert runner.invoke(group, ["hello"]).output == "hello from a plugin\n"
        group = _fresh_cli()
        listing = runner.invoke(group, ["catalogue", "--help"]).output
        assert "extra" in listing and "list" in listing and "verify" in listing


def test_a_command_clashing_with_a_core_command_is_refused_with_a_warning():
    with isolated_host() as host:
        register_plugin(host, ClashingPlugin(), distribution="acme")
        result = CliRunner().invoke(_fresh_cli(), ["--help"])
        assert result.exit_code == 0 and "'train' from acme clashes with the one from codex-ml" in result.output


def test_models_distribution_adds_synth_and_fetch_without_importing_torch():
    code = ("import sys; from click.testing import CliRunner; from codex_ml.cli.main import cli; "
            "out = CliRunner().invoke(cli, ['catalogue', '--help']).output; "
            "print('synth' in out and 'fetch' in out, sorted({'torch', 'transformers', 'hydra'} & set(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "True []"


def test_plugin_doctor_checks_run_and_a_broken_one_is_reported():
    def fine():
        return [doctor.Finding(doctor.OK, "acme", "all good")]

    def broken():
        raise RuntimeError("boom")

    class Plugin:
        @hookimpl
        def register_doctor_checks(self, register):
            register(fine)
            register(broken)
            register("codex_ml.offline.models.doctor_checks:check_hf_versions")

    with isolated_host() as host:
        register_plugin(host, Plugin(), distribution="acme")
        findings = [f for owner, check in doctor.plugin_checks() for f in doctor.run_plugin_check(owner, check)]
    assert ("ok", "acme", "all good") in [(f.level, f.topic, f.message) for f in findings]
    errors = [f for f in findings if f.level == "error"]
    assert len(errors) == 1 and "acme's" in errors[0].message and "RuntimeError: boom" in errors[0].message
    assert {"transformers", "tokenizers", "safetensors"} <= {f.topic for f in findings}


def test_only_extensible_core_groups_take_plugin_subcommands():
    class Plugin:
        @hookimpl
        def register_commands(self, cli):
            cli.add_to_group("plugins", hello)

    with isolated_host() as host:
        register_plugin(host, Plugin(), distribution="acme")
        result = CliRunner().invoke(_fresh_cli(), ["--help"])
    assert "acme adds 'hello' to 'plugins'; plugins may extend only catalogue" in result.output


def test_core_commands_other_than_extensible_groups_do_not_ask_plugins():
    group = _fresh_cli()
    with click.Context(group) as ctx:
        for name in ("plugins", "train", "doctor"):
            assert group.get_command(ctx, name) is not None
        assert not group._plugins_asked  # `plugins list` keeps using its discovery cache
        group.get_command(ctx, "catalogue")
        assert group._plugins_asked
