"""``vessel_chassis_settings``: Chassis Settings → Basic / BIOS Boot / Black Box / Reminder, a
chassis singleton."""
from __future__ import annotations

from typing import Any

from tfprovider import cty
from tfprovider.framework import Attribute, Schema, length, one_of, use_state_for_unknown
from tfprovider.vessel.resources._base import SettingResource, sdk_model
from tfprovider.vessel.resources._slots import slot_map


class ChassisSettings(SettingResource):
    type_name = "vessel_chassis_settings"
    model = sdk_model("ChassisSettings")
    schema = Schema(
        {
            "id": Attribute(cty.String, computed=True, plan_modifiers=[use_state_for_unknown()],
                            description='Always "hmm" (one chassis, one set of settings); also the import ID.'),
            "asset_tag": Attribute(cty.String, optional=True, computed=True, default="", validators=[length(hi=48)],
                                   description='Asset tag of the enclosure: up to 48 characters, none of < > & " \' '
                                               '(default "": none).'),
            "slot_aliases": Attribute(cty.Map(cty.String), optional=True, computed=True, default={},
                                      validators=[slot_map("", "no alias")],
                                      description='Alias of each blade slot, e.g. {"1" = "k8s-w1"}: keys "1".."16", '
                                                  "aliases up to 32 characters without < > & \" ' ,. A slot left out "
                                                  "has no alias (one set by hand shows as drift and is removed)."),
            "bios_boot_mode": Attribute(cty.String, optional=True, computed=True, default="Legacy",
                                        validators=[one_of("Legacy", "UEFI")],
                                        description='Chassis-wide BIOS boot mode (Chassis Settings → BIOS Boot): '
                                                    '"Legacy" (default) or "UEFI"; a blade\'s own BIOS setting wins.'),
            "blackbox_enabled": Attribute(cty.Bool, optional=True, computed=True, default=True,
                                          description="Whether the HMM records a blade's last-moments data (black "
                                                      "box) when it fails (default true)."),
            "reminder_enabled": Attribute(cty.Bool, optional=True, computed=True, default=True,
                                          description="Whether the HMM reminds an operator who logs in of active "
                                                      "critical and major alarms (default true)."),
        },
        description="The chassis' own settings: asset tag, slot aliases, BIOS boot mode, black box and reminder. "
                    "A singleton: destroying it resets them to the factory value (no asset tag, no aliases, "
                    "Legacy, black box and reminder on). Every change is snapshotted, verified by reading it "
                    "back, rolled back when that fails, and audited.",
    )

    def bind(self, session: Any) -> Any:
        return session.chassis.basic.settings


RESOURCES = [ChassisSettings]
