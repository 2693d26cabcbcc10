"""Text renderers for the emulated CX310's ``display`` commands.

Column layouts follow the real VRP outputs kept in vendor-data/vrp/huawei_vrp (the
S-series ``display vlan`` / ``display port vlan`` tables, the CE ``display interface brief``,
``display mac-address`` and ``display lldp neighbor brief`` tables), so the public
ntc-templates ``huawei_vrp`` parsers read them.
"""

from __future__ import annotations

from vessel_core.sim.vrp.state import SwitchConfig, SwitchState, interface_sort_key

RULE = "-" * 80
RULE79 = "-" * 79


def _ranges(ids: list[int] | set[int]) -> list[str]:
    out: list[str] = []
    for v in sorted(ids):
        if out and "-" not in out[-1] and int(out[-1]) == v - 1:
            out[-1] = f"{out[-1]}-{v}"
        elif out and "-" in out[-1] and int(out[-1].split("-")[1]) == v - 1:
            out[-1] = f"{out[-1].split('-')[0]}-{v}"
        else:
            out.append(str(v))
    return out


def _cfg_vlans(ids: list[int] | set[int]) -> str:
    return " ".join(r.replace("-", " to ") for r in _ranges(ids))


def port_up(sw: SwitchState, cfg: SwitchConfig, name: str) -> bool:
    p = cfg.interfaces.get(name)
    if p is None or p.shutdown:
        return False
    if name.startswith("Eth-Trunk"):
        t = cfg.eth_trunks.get(int(name[len("Eth-Trunk"):]))
        return t is not None and any(port_up(sw, cfg, m) for m in t.members)
    return bool(sw.link_up.get(name))


def _l2_ports(cfg: SwitchConfig) -> list[str]:
    """Ports that carry VLANs themselves: Eth-Trunks and physical ports outside trunks."""
    members = {m for t in cfg.eth_trunks.values() for m in t.members}
    return sorted((n for n in cfg.interfaces if n not in members), key=interface_sort_key)


# --------------------------------------------------------------------------- display vlan

def display_vlan(sw: SwitchState, cfg: SwitchConfig, only: int | None = None) -> str:
    vids = [only] if only is not None else sorted(cfg.vlans)
    lines = [
        f"The total number of VLANs is: {len(cfg.vlans)}",
        RULE,
        "U: Up;         D: Down;         TG: Tagged;         UT: Untagged;",
        "MP: Vlan-mapping;               ST: Vlan-stacking;",
        "#: ProtocolTransparent-vlan;    *: Management-vlan;",
        RULE,
        "",
        "VID  Type    Ports",
        RULE,
    ]
    ports = _l2_ports(cfg)
    for vid in vids:
        ut = [p for p in ports if vid in cfg.interfaces[p].untagged_vlans()]
        tg = [p for p in ports if vid in cfg.interfaces[p].tagged_vlans()]
        head = f"{vid:<5}common  "
        first = True
        if not ut and not tg:
            lines.append(head.rstrip())
        for tag, group in (("UT:", ut), ("TG:", tg)):
            if not group:
                continue
            cells = [f"{p}({'U' if port_up(sw, cfg, p) else 'D'})" for p in group]
            cells = [c.ljust(16) if len(c) < 16 else c + " " for c in cells]
            for i in range(0, len(cells), 4):
                chunk = "".join(cells[i:i + 4]).rstrip()
                if i == 0:
                    lead = head if first else " " * 13
                    lines.append(f"{lead}{tag}{chunk}")
                    first = False
                else:
                    lines.append(" " * 16 + chunk)
    lines += ["", "VID  Status  Property      MAC-LRN Statistics Description", RULE]
    for vid in vids:
        v = cfg.vlans[vid]
        desc = v.description if v.description else f"VLAN {vid:04d}"
        lines.append(f"{vid:<5}enable  default       enable  disable    {desc}")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- interface brief

_BRIEF_HEAD = """PHY: Physical
*down: administratively down
^down: standby
(l): loopback
(s): spoofing
(E): E-Trunk down
(b): BFD down
(B): Bit-error-detection down
(e): ETHOAM down
(d): Dampening Suppressed
InUti/OutUti: input utility/output utility
Interface                   PHY   Protocol  InUti OutUti   inErrors  outErrors"""


def phy_state(sw: SwitchState, cfg: SwitchConfig, name: str) -> str:
    if cfg.interfaces[name].shutdown:
        return "*down"
    return "up" if port_up(sw, cfg, name) else "down"


def display_interface_brief(sw: SwitchState, cfg: SwitchConfig) -> str:
    lines = [_BRIEF_HEAD]

    def row(name: str, indent: str = "") -> str:
        phy = phy_state(sw, cfg, name)
        proto = "up" if phy == "up" else "down"
        return f"{(indent + name):<28}{phy:<6}{proto:<9}{'0%':>6}{'0%':>7}{0:>11}{0:>11}"

    for t in sorted(cfg.eth_trunks.values(), key=lambda t: t.id):
        lines.append(row(f"Eth-Trunk{t.id}"))
        lines += [row(m, "  ") for m in t.members]
    members = {m for t in cfg.eth_trunks.values() for m in t.members}
    for name in sorted(cfg.interfaces, key=interface_sort_key):
        if not name.startswith("Eth-Trunk") and name not in members:
            lines.append(row(name))
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- port vlan

def display_port_vlan(sw: SwitchState, cfg: SwitchConfig) -> str:
    lines = ["Port                        Link Type    PVID  Trunk VLAN List", RULE79]
    members = {m for t in cfg.eth_trunks.values() for m in t.members}
    for name in sorted(cfg.interfaces, key=interface_sort_key):
        p = cfg.interfaces[name]
        if name in members:
            lines.append(f"{name:<28}{'-':<13}{0:<6}-")
            continue
        if p.link_type == "access":
            vl: list[str] = []
        elif p.link_type == "trunk":
            vl = _ranges(p.trunk_allowed)
        else:
            vl = _ranges(set(p.hybrid_tagged) | set(p.hybrid_untagged))
        head = f"{name:<28}{p.link_type:<13}{p.pvid:<6}"
        if not vl:
            lines.append(head + "-")
            continue
        cur = head
        for item in vl:
            if len(cur) + len(item) + 1 > 79 and cur.strip() and len(cur) > 47:
                lines.append(cur.rstrip())
                cur = " " * 47
            cur += item + " "
        lines.append(cur.rstrip())
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- eth-trunk

def display_eth_trunk(sw: SwitchState, cfg: SwitchConfig, only: int | None = None) -> str:
    trunks = [cfg.eth_trunks[only]] if only is not None else sorted(cfg.eth_trunks.values(), key=lambda t: t.id)
    if not trunks:
        return "Info: No valid trunk in the system.\n"
    blocks = []
    sysid = f"{0x0c4f + sw.slot:04x}-0e00-{sw.slot:04x}"
    for t in trunks:
        name = f"Eth-Trunk{t.id}"
        up_members = [m for m in t.members if port_up(sw, cfg, m)]
        status = "up" if port_up(sw, cfg, name) else "down"
        if t.mode == "manual":
            b = [
                f"{name}'s state information is:",
                f"{'WorkingMode: NORMAL':<28}{'Hash arithmetic: According to SIP-XOR-DIP':<50}",
                f"{'Least Active-linknumber: 1':<28}{'Max Bandwidth-affected-linknumber: 8':<50}",
                f"{'Operate status: ' + status:<28}{'Number Of Up Port In Trunk: ' + str(len(up_members)):<50}",
                RULE,
                "PortName                      Status      Weight ",
            ]
            b += [f"{m:<30}{('Up' if m in up_members else 'Down'):<12}{'1':<7}" for m in t.members]
        else:
            b = [
                f"{name}'s state information is:",
                "Local:",
                f"{'LAG ID: ' + str(t.id):<28}{'WorkingMode: LACP':<50}",
                f"{'Preempt Delay: Disabled':<28}{'Hash arithmetic: According to SIP-XOR-DIP':<50}",
                f"{'System Priority: 32768':<28}{'System ID: ' + sysid:<50}",
                f"{'Least Active-linknumber: 1':<28}{'Max Active-linknumber: 8':<50}",
                f"{'Operate status: ' + status:<28}{'Number Of Up Port In Trunk: ' + str(len(up_members)):<50}",
                RULE,
                "ActorPortName          Status   PortType PortPri PortNo PortKey PortState Weight",
            ]
            for i, m in enumerate(t.members, start=1):
                st = "Selected" if m in up_members else "Unselect"
                ps = "10111100" if m in up_members else "10100000"
                b.append(f"{m:<23}{st:<9}{'10GE':<9}{'32768':<8}{i:<7}{1 + t.id * 16:<8}{ps:<10}{'1':<6}")
            b += ["", "Partner:", RULE,
                  "ActorPortName          SysPri   SystemID        PortPri PortNo PortKey PortState"]
            for i, m in enumerate(t.members, start=1):
                if m in up_members:
                    b.append(f"{m:<23}{'32768':<9}{'0c4f-0eff-0001':<16}{'32768':<8}{i:<7}{'1':<8}10111100")
                else:
                    b.append(f"{m:<23}{'0':<9}{'0000-0000-0000':<16}{'0':<8}{'0':<7}{'0':<8}10100011")
        blocks.append("\n".join(b))
    return "\n  \n".join(blocks) + "\n"


# --------------------------------------------------------------------------- mac-address

def mac_rows(sw: SwitchState, cfg: SwitchConfig) -> list[tuple[str, int, str, str]]:
    """(mac, vlan, learned-from, type) rows as the switch currently shows them."""
    rows: list[tuple[str, int, str, str]] = []
    for e in sw.mac_table:
        if e.interface not in cfg.interfaces or not port_up(sw, cfg, e.interface):
            continue
        tid = cfg.trunk_of(e.interface)
        port = f"Eth-Trunk{tid}" if tid is not None else e.interface
        vlan = e.vlan if e.vlan is not None else cfg.interfaces[port].pvid
        if vlan not in cfg.vlans:
            continue
        rows.append((e.mac, vlan, port, e.type))
    return rows


def display_mac_address(sw: SwitchState, cfg: SwitchConfig) -> str:
    rows = mac_rows(sw, cfg)
    lines = [RULE79, "MAC Address    VLAN/VSI/BD                       Learned-From        Type", RULE79]
    lines += [f"{m:<15}{f'{v}/-/-':<34}{p:<20}{t}" for m, v, p, t in rows]
    lines += ["", RULE79, f"Total items displayed = {len(rows)}"]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- lldp

def display_lldp_neighbor(sw: SwitchState) -> str:
    blocks = []
    for n in sorted(sw.lldp_neighbors, key=lambda n: interface_sort_key(n.local_interface)):
        blocks.append("\n".join([
            f"{n.local_interface} has 1 neighbor(s):",
            "",
            "Neighbor index :1",
            "Chassis type   :MAC address",
            f"Chassis ID     :{_chassis_id(n.neighbor_device)}",
            "Port ID type   :Interface name",
            f"Port ID        :{n.neighbor_interface}",
            f"Port description    :{n.neighbor_interface}",
            f"System name         :{n.neighbor_device}",
            "System description  :Huawei Versatile Routing Platform Software",
            "System capabilities supported   :bridge router",
            "System capabilities enabled     :bridge router",
            "Management address type  :IPv4",
            "Management address value :0.0.0.0",
            f"Expired time   :{n.exptime_s}s",
            "",
            "Port VLAN ID(PVID)  :1",
            "",
            "Auto-negotiation supported    :No",
            "Auto-negotiation enabled      :No",
            "OperMau   :speed(10000)/duplex(Full)",
            "",
            "Maximum frame Size  :9216",
            "",
        ]))
    return "\n".join(blocks) + ("\n" if blocks else "")


def _chassis_id(name: str) -> str:
    h = f"{abs(hash_str(name)) & 0xFFFFFFFFFFFF:012x}"
    return f"{h[0:4]}-{h[4:8]}-{h[8:12]}"


def hash_str(s: str) -> int:
    v = 1469598103934665603
    for ch in s.encode():
        v = ((v ^ ch) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return v


def display_lldp_neighbor_brief(sw: SwitchState) -> str:
    lines = ["Local Interface         Exptime(s) Neighbor Interface      Neighbor Device", RULE79]
    for n in sorted(sw.lldp_neighbors, key=lambda n: interface_sort_key(n.local_interface)):
        lines.append(f"{n.local_interface:<24}{n.exptime_s:>9}  {n.neighbor_interface:<24}{n.neighbor_device}")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- version / device

def display_version(sw: SwitchState) -> str:
    v = sw.version
    return "\n".join([
        "Huawei Versatile Routing Platform Software",
        f"VRP (R) software, Version {v.vrp_version} ({v.release})",
        f"Copyright (C) {v.copyright_years} Huawei Technologies Co., Ltd.",
        f"HUAWEI {v.product} uptime is {v.uptime}",
        "",
        f"{v.product} version information:",
        "1. PCB      Version  : BC11ESMA VER.B",
        "2. Board    Type     : CX310",
        "3. CPLD     Version  : 011",
        "4. BootROM  Version  : 1.1.5",
        "",
    ]) + "\n"


def display_device(sw: SwitchState) -> str:
    return "\n".join([
        f"{sw.version.product}'s Device status:",
        RULE79,
        "Slot  Card   Type               Online   Power Register     Alarm     Primary",
        RULE79,
        f"{1:<6}{'-':<7}{sw.version.product:<19}{'Present':<9}{'On':<6}{'Registered':<13}{'Normal':<10}Master",
        RULE79,
    ]) + "\n"


# --------------------------------------------------------------------------- configuration

def configuration(sw: SwitchState, cfg: SwitchConfig) -> str:
    out: list[str] = []
    if sw.flavour == "vrp8":
        out += [f"!Software Version V{sw.version.release.split()[-1][1:]}",
                "!Last configuration was updated at 2026-05-01 12:00:00+00:00"]
    out += ["#", f"sysname {cfg.sysname}", "#"]
    extra = sorted(v for v in cfg.vlans if v != 1)
    if extra:
        out += [f"vlan batch {_cfg_vlans(extra)}", "#"]
    for vid in sorted(cfg.vlans):
        v = cfg.vlans[vid]
        body = ([f" name {v.name}"] if v.name else []) + ([f" description {v.description}"] if v.description else [])
        if body:
            out += [f"vlan {vid}", *body, "#"]
    members = {m: t.id for t in cfg.eth_trunks.values() for m in t.members}
    lacp_word = "lacp" if sw.flavour == "vrp8" else "lacp-static"
    for name in sorted(cfg.interfaces, key=interface_sort_key):
        p = cfg.interfaces[name]
        body = []
        if p.description:
            body.append(f" description {p.description}")
        if p.shutdown:
            body.append(" shutdown")
        if p.link_type == "trunk":
            body.append(" port link-type trunk")
            if p.trunk_pvid != 1:
                body.append(f" port trunk pvid vlan {p.trunk_pvid}")
            if 1 not in p.trunk_allowed:
                body.append(" undo port trunk allow-pass vlan 1")
            rest = [v for v in p.trunk_allowed if v != 1]
            if rest:
                body.append(f" port trunk allow-pass vlan {_cfg_vlans(rest)}")
        elif p.link_type == "hybrid":
            body.append(" port link-type hybrid")
            if p.hybrid_pvid != 1:
                body.append(f" port hybrid pvid vlan {p.hybrid_pvid}")
            if p.hybrid_tagged:
                body.append(f" port hybrid tagged vlan {_cfg_vlans(p.hybrid_tagged)}")
            if 1 not in p.hybrid_untagged:
                body.append(" undo port hybrid untagged vlan 1")
            rest = [v for v in p.hybrid_untagged if v != 1]
            if rest:
                body.append(f" port hybrid untagged vlan {_cfg_vlans(rest)}")
        elif p.default_vlan != 1:
            body.append(f" port default vlan {p.default_vlan}")
        if name.startswith("Eth-Trunk"):
            t = cfg.eth_trunks.get(int(name[len("Eth-Trunk"):]))
            if t is not None and t.mode == "lacp":
                body.append(f" mode {lacp_word}")
        if name in members:
            body.append(f" eth-trunk {members[name]}")
        out += [f"interface {name}", *body, "#"]
    out.append("return")
    return "\n".join(out) + "\n"
