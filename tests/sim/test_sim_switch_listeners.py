"""The ready line publishes SSH host-key fingerprints and one direct VRP listener per switch."""
import asyncssh

from vessel_core.sim.testing import start_emulator


async def test_direct_switch_listeners_and_fingerprints(tmp_path):
    async with start_emulator(tmp_path, profile="legacy", vrp={2: "vrp5", 3: "vrp8"}) as emu:
        ssh = emu.info["ssh"]
        assert ssh["host_key_fingerprint"].startswith("SHA256:")
        async with asyncssh.connect(ssh["host"], port=ssh["port"], known_hosts=None,
                                    username=emu.info["hmm"]["username"],
                                    password=emu.info["hmm"]["password"]) as conn:
            assert conn.get_server_host_key().get_fingerprint("sha256") == ssh["host_key_fingerprint"]
        seen = set()
        for name, flavour in (("Swi2", "vrp5"), ("Swi3", "vrp8")):
            sw = emu.info["switches"][name]
            assert sw["vrp"] == flavour
            d = sw["ssh"]
            async with asyncssh.connect(d["host"], port=d["port"], known_hosts=None,
                                        username=d["username"], password=d["password"]) as conn:
                assert conn.get_server_host_key().get_fingerprint("sha256") == d["host_key_fingerprint"]
                out = await conn.run("display version", check=False)
                assert "CX310" in out.stdout
            seen.add(d["port"])
        assert len(seen) == 2 and ssh["port"] not in seen
    # listeners are closed with the emulator
    try:
        await asyncssh.connect(d["host"], port=d["port"], known_hosts=None, username="root", password="x",
                               connect_timeout=2)
    except (OSError, asyncssh.Error):
        pass
    else:  # pragma: no cover - a listener that outlives the emulator is the bug this checks
        raise AssertionError("switch listener still accepting after stop()")
