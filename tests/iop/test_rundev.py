"""`make run` serves where HOST and PORT say, 127.0.0.1:8000 when they are unset."""

import sys

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import modify_settings

from iop.management.commands.rundev import seed_demo, web_address, web_command, web_url


def test_make_run_serves_on_127_0_0_1_port_8000_by_default():
    host, port = web_address({})
    assert (host, port) == ("127.0.0.1", 8000)
    assert web_command(host, port) == [sys.executable, "manage.py", "runserver", "127.0.0.1:8000"]
    assert web_url(host, port) == "http://127.0.0.1:8000"


def test_host_and_port_from_the_environment_choose_where_make_run_serves():
    host, port = web_address({"HOST": "0.0.0.0", "PORT": "8081"})
    assert web_command(host, port)[-1] == "0.0.0.0:8081"
    # Every interface is served; the links in e-mails use one a browser on this machine opens.
    assert web_url(host, port) == "http://127.0.0.1:8081"


def test_an_ipv6_host_is_bracketed():
    host, port = web_address({"HOST": "::1", "PORT": "9000"})
    assert web_command(host, port)[-1] == "[::1]:9000"
    assert web_url(host, port) == "http://[::1]:9000"


@pytest.mark.parametrize("port", ["http", "0", "70000", "-1"])
def test_a_bad_port_stops_make_run_with_a_clear_message_before_it_touches_the_database(
    monkeypatch, port
):
    monkeypatch.setenv("PORT", port)
    with pytest.raises(CommandError, match="PORT must be a port number from 1 to 65535"):
        call_command("rundev")


def test_make_run_without_the_demo_app_says_how_to_turn_the_demo_on():
    with (
        modify_settings(INSTALLED_APPS={"remove": ["demo"]}),
        pytest.raises(CommandError, match="DEMO=1"),
    ):
        seed_demo()
