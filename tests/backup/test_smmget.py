"""``hmm/smmget.txt``: an smmget data item the HMM does not answer is left out of the file and
named in the manifest as not captured, with the HMM's words; the rest is captured."""
from __future__ import annotations

from pathlib import Path

import yaml

from vessel_core.backup.snapshot import store_at, take
from vessel_core.drivers.ssh.hmm import HmmCli
from vessel_core.errors import NotFoundError
from vessel_core.session import Session, SessionSettings
from vessel_core.sim.testing import start_emulator


async def test_an_item_that_fails_is_listed_as_not_captured(tmp_path: Path, monkeypatch) -> None:
    real = HmmCli.smmget

    async def smmget(self, dataitem: str, *, location: str | None = None, target: str | None = None) -> str:
        if dataitem == "macaddress" and location == "blade2":  # as a firmware that lacks the item answers
            raise NotFoundError("smmget -l blade2 -d macaddress: unknown data item", operation="smmget",
                                device_message="The data item does not exist.")
        return await real(self, dataitem, location=location, target=target)

    monkeypatch.setattr(HmmCli, "smmget", smmget)
    async with start_emulator(tmp_path) as emu:
        info = emu.info
        settings = SessionSettings(endpoint=info["hmm"]["url"], username="root", password=info["hmm"]["password"],
                                   ca_cert_path=info["ca_cert"], ssh_port=info["ssh"]["port"],
                                   ssh_host_key_fingerprint=info["ssh"]["host_key_fingerprint"],
                                   snapshot_dir=str(tmp_path / "snapshots"), audit_log=str(tmp_path / "audit.jsonl"))
        async with Session.open(settings) as s:
            snap, _ = await take(s, store_at(str(tmp_path / "snapshots")))
    folder = tmp_path / "snapshots" / snap.id
    manifest = yaml.safe_load((folder / "manifest.yaml").read_text())
    assert manifest["meta"]["not_captured"] == [
        {"what": "hmm/smmget.txt smmget -l blade2 -d macaddress",
         "why": "smmget -l blade2 -d macaddress: unknown data item: The data item does not exist. [operation=smmget]"}], manifest["meta"]["not_captured"]
    smm = (folder / "hmm/smmget.txt").read_text()
    assert "## smmget -l blade2 -d macaddress" not in smm
    assert "## smmget -l blade2 -d powerstate" in smm and "## smmget -l blade1 -d macaddress" in smm
