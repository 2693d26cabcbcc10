"""Every facade method against the emulated chassis, in the legacy profile (blades without
Redfish: iBMC CLI through the HMM) and the modern one (iBMC Redfish per blade). Switch 2 runs
VRP5 (immediate apply) and switch 3 VRP8 (two-stage commit) in both."""
from __future__ import annotations

import asyncio
import io
import tarfile
from types import SimpleNamespace

import pytest
from chassis_helpers import VRP_BY_SLOT, chassis_for

from vessel_core.chassis.models import BladeConfig, ComputeProfile, MacPool, NicProfile, ProfileNic, SwitchProfile, UuidPool
from vessel_core.errors import ConflictError, DeviceError, NotFoundError, UnsupportedError, ValidationError
from vessel_core.sim.state import EasyLinkNicProfile

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.timeout(120)]
SWITCHES = sorted(VRP_BY_SLOT)


def profile_of(emu) -> str:
    return emu.options.profile


# ---------------------------------------------------------------- capabilities and paths
async def test_capabilities_follow_the_profile(emu, ch):
    caps = await ch.capabilities()
    assert caps.hmm_redfish and caps.hmm_redfish_version == "1.0.2"
    present = {s for s, b in emu.state.blades.items() if b.present}
    if profile_of(emu) == "modern":
        assert set(caps.blade_redfish) == present and all(caps.blade_redfish.values())
    else:
        assert caps.blade_redfish == {}
        assert await ch.blade_has_redfish(1) is False


# ---------------------------------------------------------------- basic
async def test_basic_get_and_set(emu, ch):
    info = await ch.basic.get()
    assert info.model == "E9000" and info.serial_number == emu.state.chassis.serial_number
    assert set(info.slot_aliases) == set(range(1, 17)) and info.server_time
    await ch.basic.set_asset_tag("rack-7")
    await ch.basic.set_slot_alias(4, "k8s-worker-4")
    again = await ch.basic.get()
    assert again.asset_tag == "rack-7" and again.slot_aliases[4] == "k8s-worker-4"
    assert emu.state.chassis.asset_tag == "rack-7"
    with pytest.raises(ValidationError, match="asset_tag"):
        await ch.basic.set_asset_tag("x" * 49)
    with pytest.raises(ValidationError, match="slot"):
        await ch.basic.set_slot_alias(0, "nope")


# ---------------------------------------------------------------- network settings
async def test_network_addresses(emu, ch):
    blades = await ch.network.list("blade")
    assert {a.name for a in blades} == {f"Slot{s}" for s, b in emu.state.blades.items() if b.present}
    assert blades[0].fabric_ip.startswith("172.31.1.")
    mms = await ch.network.list("smm")
    assert {"HMM1", "HMM2", "float"} <= {a.name for a in mms}
    got = await ch.network.set("Slot2", ip="10.9.0.2", mask="255.255.0.0", gateway="10.9.0.1")
    assert (got.ip, got.mask, got.gateway) == ("10.9.0.2", "255.255.0.0", "10.9.0.1")
    assert (await ch.network.get("Slot2")).ip == "10.9.0.2"
    cleared = await ch.network.set("Slot2", ip="")
    assert cleared.ip == ""
    with pytest.raises(ValidationError, match="gateway"):
        await ch.network.set("Slot2", ip="10.9.0.2", gateway="10.9.0")
    with pytest.raises(ValidationError, match="name"):
        await ch.network.get("Slot2X")
    with pytest.raises(NotFoundError):
        await ch.network.get("Slot5")  # empty slot (CH222 in 13)


# ---------------------------------------------------------------- stateless computing
async def test_compute_profile_crud_bind_and_pools(emu, ch):
    pools = ch.stateless.mac_pools
    await pools.create(MacPool(name="workers", start="28:6e:d4:b0:00:00", size=64))
    await ch.stateless.uuid_pools.create(UuidPool(name="ids", prefix="8F3C2A10-0000-4000-8000-", size=32))
    p = ComputeProfile(name="k8s-worker", description="workers", boot_order=["Pxe", "Hdd"],
                       bios={"HyperThreading": "Enabled"}, mac_pool="workers", uuid_pool="ids",
                       nics=[ProfileNic(port=1, vlan=100, boot=True), ProfileNic(port=2)])
    created = await ch.stateless.profiles.create(p)
    assert created.model_dump(exclude={"nodes", "revision"}) == p.model_dump(exclude={"nodes", "revision"})
    with pytest.raises(ConflictError):
        await ch.stateless.profiles.create(p)
    updated = await ch.stateless.profiles.update(p.model_copy(update={"description": "v2"}))
    assert updated.description == "v2" and updated.revision == created.revision + 1

    ch.stateless.poll_interval = 0.05
    blade = ch.stateless.blade(9)
    power = (await blade.get()).power_state
    after = await blade.set(BladeConfig(slot=9, profile="k8s-worker", power_state=power))
    assert after.profile == "k8s-worker" and after.power_state == power
    node = await ch.stateless.node(9, fresh=True)
    assert node.mac_source == "pool" and node.uuid_source == "pool" and node.apply_state == "applied"
    assert (await ch.stateless.profiles.get("k8s-worker")).nodes == [9]
    pool = await pools.get("workers")
    assert pool.allocations[9] == node.macs and pool.used == len(node.macs) == 2
    assert all(pool.contains(m) for m in node.macs)
    assert (await ch.stateless.uuid_pools.get("ids")).allocations[9] == node.uuid
    with pytest.raises(ConflictError):
        await ch.stateless.profiles.delete("k8s-worker")   # still bound
    with pytest.raises(ConflictError):
        await pools.update(MacPool(name="workers", start="28:6E:D4:C0:00:00", size=64))  # allocated
    with pytest.raises(ConflictError, match="overlaps"):
        await pools.create(MacPool(name="other", start="28:6E:D4:B0:00:20", size=8))
    await blade.set(BladeConfig(slot=9, profile=None, power_state=power))
    node = await ch.stateless.node(9, fresh=True)
    assert node.profile is None and node.mac_source == "burned-in"
    assert (await pools.get("workers")).used == 0
    await ch.stateless.profiles.delete("k8s-worker")
    assert await ch.stateless.profiles.get("k8s-worker") is None
    await pools.delete("workers")
    assert await pools.get("workers") is None
    with pytest.raises(NotFoundError):
        await ch.stateless.node(6)
    assert len(await ch.stateless.nodes()) == sum(b.present for b in emu.state.blades.values())


# ---------------------------------------------------------------- easyLink
async def test_easylink_profiles_crud(emu, ch):
    switch = ch.easylink.switch_profiles
    sp = SwitchProfile(name="uplinks", switches=["Swi3", "Swi2"], uplink_ports=["10GE2/17/1", "10GE3/17/1"],
                       vlans=[20, 10], description="core")
    assert sp.switches == ["Swi2", "Swi3"] and sp.vlans == [10, 20]   # sorted, as the HMM lists them
    assert await switch.create(sp) == sp
    with pytest.raises(ConflictError) as exists:
        await switch.create(sp)
    assert exists.value.field == "name"
    changed = await switch.update(sp.model_copy(update={"vlans": [10, 30]}))
    assert changed.vlans == [10, 30] and emu.state.easylink_switch_profiles[-1].vlans == [10, 30]
    assert "uplinks" in {p.name for p in await switch.list()}
    # the HMM's own refusal names the model field (an uplink of a switch the profile lacks)
    alone = SwitchProfile(name="alone", switches=["Swi2"], uplink_ports=["10GE3/17/4"])
    with pytest.raises(ValidationError) as foreign:
        await switch.create(alone)
    assert foreign.value.field == "uplink_ports" and await switch.get("alone") is None
    await switch.delete("uplinks")
    assert await switch.get("uplinks") is None
    with pytest.raises(NotFoundError):
        await switch.update(sp)

    nics = ch.easylink.nic_profiles
    nic = NicProfile(name="data", vlans=[100, 200], native_vlan=100, bandwidth_pct=50, description="vm")
    assert await nics.create(nic) == nic
    assert (await nics.update(nic.model_copy(update={"native_vlan": None}))).native_vlan is None
    assert [p.name for p in await nics.list()].count("data") == 1
    # a compute profile that names it keeps it (the field exists on newer emulator states only)
    emu.state.profiles.append(SimpleNamespace(name="web", vnic_profiles=["data"]))
    try:
        with pytest.raises(ConflictError, match="retcode 9"):
            await nics.delete("data")
    finally:
        emu.state.profiles.pop()
    await nics.delete("data")
    assert await nics.get("data") is None
    await nics.delete("data")                      # gone already: nothing to do


async def test_easylink_limits_are_the_hmms(emu, ch):
    saved = list(emu.state.easylink_nic_profiles)
    emu.state.easylink_nic_profiles = [EasyLinkNicProfile(name=f"p{i}") for i in range(64)]
    try:
        with pytest.raises(DeviceError, match="retcode 7"):
            await ch.easylink.nic_profiles.create(NicProfile(name="one_more"))
        assert len(emu.state.easylink_nic_profiles) == 64
        await ch.easylink.nic_profiles.delete("p0")        # below the limit again: accepted
        assert await ch.easylink.nic_profiles.create(NicProfile(name="one_more"))
    finally:
        emu.state.easylink_nic_profiles = saved


# ---------------------------------------------------------------- network info
async def test_network_info(emu, ch):
    ov = await ch.network_info.overview()
    assert {s.name for s in ov.switches} == {"Swi2", "Swi3"}
    assert {s.vrp for s in ov.switches} == {"vrp5", "vrp8"}
    eth = await ch.network_info.interfaces("eth")
    assert {"eth0", "eth2"} <= {i.name for i in eth}
    assert await ch.network_info.interfaces("fc") == []
    assert await ch.network_info.present("swi") == ["Swi2", "Swi3"]
    assert len(await ch.network_info.present("fan")) >= 10
    cards = await ch.network_info.mezz(1)
    assert cards and cards[0].macs
    all_cards = await ch.network_info.macs()
    assert {c.slot for c in all_cards} == {s for s, b in emu.state.blades.items() if b.present and b.mezz}
    with pytest.raises(NotFoundError):
        await ch.network_info.mezz(5)


# ---------------------------------------------------------------- power and fans
async def test_power_meter_and_capping(emu, ch):
    meter = await ch.power.meter()
    assert meter.consumed_w == sum(p.output_w for p in emu.state.psus.values())
    assert len(await ch.power.supplies()) == len(emu.state.psus)
    assert ch.routes["power.meter"] == "redfish:hmm"
    cap = await ch.power.set_capping(enabled=True, limit_w=7000, failure_action="poweroff")
    assert (cap.enabled, cap.limit_w, cap.failure_action) == (True, 7000, "poweroff")
    cap2 = await ch.power.set_capping(hibernate=True)
    assert cap2.limit_w == 7000 and cap2.hibernate
    assert (await ch.power.capping()) == cap2
    with pytest.raises(ValidationError, match="limit_w"):
        await ch.power.set_capping(limit_w=10)


async def test_fans(emu, ch):
    fans = await ch.fan.status()
    assert len(fans) == len(emu.state.fans)
    first = next(iter(emu.state.fans.values()))
    f = await ch.fan.get(f"Fan{first.slot}")
    assert f.speed_rpm == first.speed_rpm
    with pytest.raises(NotFoundError):
        await ch.fan.get("Fan99")


# ---------------------------------------------------------------- alarms
async def test_alarms_and_sel(emu, ch):
    al = await ch.alarms.list()
    active = [a for a in emu.state.alarms if not a.cleared]
    assert al.sum == len(active) == len(al.alarms)
    assert al.critical == sum(a.level == 3 for a in active)
    sel = await ch.alarms.sel("smm", limit=5)
    assert 0 < len(sel) <= 5
    assert await ch.alarms.sel("Slot1", limit=None) is not None
    with pytest.raises(NotFoundError):
        await ch.alarms.sel("Slot5")
    with pytest.raises(ValidationError, match="component"):
        await ch.alarms.sel("Slot99")


# ---------------------------------------------------------------- system
async def test_users_ntp_ldap_logs(emu, ch):
    users = await ch.system.list_users()
    assert any(u.username == "root" and u.id == 2 for u in users)
    u = await ch.system.create_user("ops1", "Passw0rd99", role="Operator")
    assert u.role == "Operator" and u.enabled
    with pytest.raises(ConflictError):
        await ch.system.create_user("ops1", "Passw0rd99")
    u2 = await ch.system.update_user("ops1", role="ReadOnly", enabled=False)
    assert (u2.role, u2.enabled) == ("ReadOnly", False)
    with pytest.raises(ValidationError) as ei:
        await ch.system.update_user("ops1", password="short")
    assert "userpasswd" in (ei.value.device_message or "")
    assert "short" not in str(ei.value)
    await ch.system.delete_user("ops1")
    with pytest.raises(NotFoundError):
        await ch.system.get_user("ops1")
    with pytest.raises(ValidationError, match="role"):
        await ch.system.create_user("ops2", "Passw0rd99", role="God")

    ntp = await ch.system.set_ntp(enabled=True, preferred_server="ntp1.example.net",
                                  timezone="GMT+2", sync_interval_min=30)
    assert (ntp.enabled, ntp.preferred_server, ntp.timezone, ntp.sync_interval_min) == \
        (True, "ntp1.example.net", "GMT+2", 30)
    assert await ch.system.ntp.get() == ntp
    with pytest.raises(ValidationError, match="timezone"):
        await ch.system.set_ntp(timezone="CET")

    ldap = await ch.system.set_ldap(enabled=True, server="ldap.example.net", port=636, ssl=True,
                                    bind_dn="cn=svc", bind_password="S3cret-bind",
                                    domain="example.net")
    assert (ldap.server, ldap.port, ldap.ssl, ldap.bind_dn) == ("ldap.example.net", 636, True, "cn=svc")
    assert emu.state.ldap.bind_password == "S3cret-bind"
    assert "S3cret" not in (await ch.system.ldap()).model_dump_json()

    log = await ch.system.log("oplog")
    assert isinstance(log, str)
    assert ch.routes["system.log"] == "ssh:hmm"


# ---------------------------------------------------------------- upgrade
async def test_upgrade_inventory_and_flash(emu, ch):
    inv = {c.component: c for c in await ch.upgrade.inventory()}
    assert {"smm", "othersmm", "Slot1", "Swi2", "Swi3"} <= set(inv)
    assert inv["smm"].versions["Software Version"].endswith("7.63")
    if profile_of(emu) == "modern":
        assert inv["Slot1"].source == "redfish" and "Bios" in inv["Slot1"].versions
    else:
        assert inv["Slot1"].source == "web" and "BIOS Version" in inv["Slot1"].versions
    pre = await ch.upgrade.preflight()
    assert not pre.upgrading and pre.smm_ready[1]
    await ch.upgrade.upload("cx310-switch-1.23.hpm", b"\x00" * 1024, targets="Swi2:fru0;")
    st = await ch.upgrade.apply("Swi2:fru0;")
    assert [t.name for t in st.targets] == ["Swi2:fru0"]
    done = await ch.upgrade.wait(timeout=30, interval=0.1)
    assert done.all_done and not done.any_failed
    assert (await ch.upgrade.status()).all_done
    await ch.upgrade.cancel()
    assert (await ch.upgrade.status()).targets == []
    with pytest.raises(ValidationError, match="bladelist"):
        await ch.upgrade.apply("Swi2")
    with pytest.raises(ValidationError, match="filename"):
        await ch.upgrade.upload("../x.hpm", b"1", targets="bothsmm")


# ---------------------------------------------------------------- blades
async def test_blade_list_get_power_boot(emu, ch):
    blades = await ch.blade.list()
    assert [b.slot for b in blades] == sorted(s for s, b in emu.state.blades.items() if b.present)
    want_path = "redfish:ibmc" if profile_of(emu) == "modern" else "ssh:ibmc"
    b = await ch.blade.get(2)
    assert ch.routes["blade.get"] == want_path
    assert b.model == "CH121" and b.power_state == emu.state.blades[2].power_state

    assert await ch.blade.power_on(1, wait=True, timeout=20, interval=0.1) == "On"
    assert ch.routes["blade.power"] == want_path
    assert emu.state.blades[1].power_state == "On"
    assert await ch.blade.reset(1, wait=True, timeout=20, interval=0.1) == "On"
    assert await ch.blade.power_off(1, force=True, wait=True, timeout=20, interval=0.1) == "Off"
    assert await ch.blade.power_state(1) == "Off"
    ch.cache.invalidate("nodes")
    assert {x.slot: x.power_state for x in await ch.blade.list()}[1] == "Off"

    bo = await ch.blade.set_boot_override(3, "Pxe", enabled="Once")
    assert (bo.target, bo.enabled) == ("Pxe", "Once")
    assert ch.routes["blade.set_boot_override"] == want_path
    assert emu.state.blades[3].boot.target == "Pxe"
    bo = await ch.blade.set_boot_override(3, "Cd", enabled="Continuous")
    assert (bo.target, bo.enabled) == ("Cd", "Continuous")
    cleared = await ch.blade.set_boot_override(3, "None", enabled="Disabled")
    assert cleared.target == "None" and cleared.enabled == "Disabled"
    assert (await ch.blade.get(3)).boot == cleared

    with pytest.raises(ValidationError, match="target"):
        await ch.blade.set_boot_override(3, "Usb")
    with pytest.raises(ValidationError, match="action"):
        await ch.blade.power(3, "Explode")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="slot"):
        await ch.blade.get(0)
    with pytest.raises(NotFoundError):
        await ch.blade.get(5)


async def test_blade_virtual_media(emu, ch):
    if profile_of(emu) == "legacy":
        with pytest.raises(UnsupportedError, match="virtual media"):
            await ch.blade.virtual_media(4)
        with pytest.raises(UnsupportedError):
            await ch.blade.insert_media(4, "nfs://10.0.0.5/iso/pve.iso")
        return
    assert not (await ch.blade.virtual_media(4)).inserted
    vm = await ch.blade.insert_media(4, "nfs://10.0.0.5/iso/pve.iso", timeout=20)
    assert vm.inserted and vm.image == "nfs://10.0.0.5/iso/pve.iso"
    with pytest.raises(DeviceError):
        await ch.blade.insert_media(4, "http://10.0.0.5/x.iso", timeout=20)
    assert not (await ch.blade.eject_media(4)).inserted
    assert not (await ch.blade.eject_media(4)).inserted   # idempotent
    with pytest.raises(ValidationError, match="image"):
        await ch.blade.insert_media(4, "/local/file.iso")


# ---------------------------------------------------------------- switches
@pytest.mark.parametrize("slot", SWITCHES)
async def test_switch_reads_are_batched(emu, ch, slot):
    ch.switch.invalidate(slot)
    await ch.switch.flavour(slot)  # opens the session; setup commands are not reads
    n0 = await ch.switch.commands_sent(slot)
    st = await ch.switch.state(slot)
    vlans, ports, lags = await asyncio.gather(ch.switch.vlans(slot), ch.switch.ports(slot),
                                              ch.switch.lags(slot))
    assert await ch.switch.commands_sent(slot) - n0 == 4
    assert vlans == st.vlans and ports == st.ports and lags == st.lags
    assert any(v.vid == 1 for v in vlans) and len(ports) >= 16
    assert await ch.switch.flavour(slot) == VRP_BY_SLOT[slot]


@pytest.mark.parametrize("slot", SWITCHES)
async def test_switch_vlan_port_lag_changes(emu, ch, slot):
    vid = 300 + slot
    v = await ch.switch.create_vlan(slot, vid, description=f"web-{slot}")
    assert v.vid == vid and v.description == f"web-{slot}"
    assert vid in emu.state.switches[slot].vrp.running.vlans
    await ch.switch.create_vlans(slot, [vid + 10, vid + 11, vid + 12, 3000])
    assert {vid + 10, vid + 11, vid + 12, 3000} <= {x.vid for x in await ch.switch.vlans(slot)}
    port = (await ch.switch.ports(slot))[0].name
    p = await ch.switch.set_port(slot, port, link_type="trunk", trunk_vlans=[vid, vid + 10],
                                 pvid=vid)
    assert p.link_type == "trunk" and {vid, vid + 10} <= set(p.trunk_vlans) and p.pvid == vid
    members = [x.name for x in (await ch.switch.ports(slot))[2:4]]
    lag = await ch.switch.create_lag(slot, 10 + slot, members)
    assert sorted(m.interface for m in lag.members) == sorted(members)
    assert {x.name: x.eth_trunk for x in await ch.switch.ports(slot)}[members[0]] == 10 + slot
    await ch.switch.delete_lag(slot, 10 + slot)
    with pytest.raises(NotFoundError):
        await ch.switch.lag(slot, 10 + slot)
    await ch.switch.set_port(slot, port, link_type="access", trunk_vlans=None)
    await ch.switch.delete_vlan(slot, vid)
    with pytest.raises(NotFoundError):
        await ch.switch.vlan(slot, vid)
    with pytest.raises(ValidationError, match="vlan"):
        await ch.switch.create_vlan(slot, 5000)
    with pytest.raises(ValidationError, match="interface"):
        await ch.switch.set_port(slot, "eth0; reboot", link_type="trunk")
    with pytest.raises(DeviceError) as ei:
        await ch.switch.configure(slot, ["interface 10GE9/99/99"])
    assert "10GE9/99/99" in str(ei.value)
    assert "Saved" in await ch.switch.save(slot) or "success" in (await ch.switch.save(slot)).lower()


@pytest.mark.parametrize("slot", SWITCHES)
async def test_switch_other_reads_and_snapshot(emu, ch, slot):
    ver = await ch.switch.version(slot)
    assert ver.flavour == VRP_BY_SLOT[slot]
    assert isinstance(await ch.switch.lldp(slot), list)
    assert isinstance(await ch.switch.mac_table(slot), list)
    rc = await ch.switch.running_config(slot)
    assert 1 in rc.vlans or rc.vlans == {} or rc.sysname
    snap = await ch.switch.snapshot(slot)
    assert snap.running_config and len(snap.running_sha256) == 64
    with tarfile.open(fileobj=io.BytesIO(snap.export_tar_gz), mode="r:gz") as tar:
        assert any(n.endswith("2_1_1.cfg") for n in tar.getnames())
    assert ch.routes["switch.snapshot"] == "ssh:vrp+hmm"
    with pytest.raises(ValidationError, match="slot"):
        await ch.switch.state(7)


# ---------------------------------------------------------------- connection settings, secrets
async def test_connect_validates_settings(emu):
    from vessel_core.chassis import Chassis
    h = emu.info["hmm"]
    with pytest.raises(ValidationError, match="ibmc_endpoints"):
        Chassis.connect(h["url"], "root", "pw", ibmc_endpoints={40: "https://127.0.0.1:1"})
    with pytest.raises(ValidationError, match="fingerprint"):
        Chassis.connect(h["url"], "root", "pw", ssh_host_keys="SHA256:x", fingerprint="abc")
    with pytest.raises(ValidationError, match="insecure"):
        Chassis.connect(h["url"], "root", "pw", insecure=True, ca_cert=emu.info["ca_cert"])
    async with Chassis.connect(h["url"], h["username"], h["password"],
                               ca_cert=emu.info["ca_cert"]) as bare:
        assert (await bare.basic.get()).model == "E9000"      # HTTP paths need no SSH pin
        with pytest.raises(ValidationError, match="ssh_host_keys"):
            await bare.switch.vlans(2)
    with pytest.raises(ValidationError, match="closed"):
        await bare.basic.get()


async def test_no_secret_in_debug_logs(emu, caplog):
    import logging
    caplog.set_level(logging.DEBUG)
    async with chassis_for(emu) as fresh:
        await fresh.capabilities()
        await fresh.blade.get(2)
        await fresh.switch.vlans(3)
        await fresh.system.set_ldap(bind_password="Bind-S3cret-9")
    text = caplog.text
    assert emu.info["hmm"]["password"] not in text and "Bind-S3cret-9" not in text
