"""``vessel_ntp_server``: the HMM's NTP client (System Mgmt → NTP), a chassis singleton."""
from __future__ import annotations

from tfprovider import cty
from tfprovider.framework import Attribute, Schema, use_state_for_unknown
from tfprovider.vessel.resources._base import SettingResource, sdk_model


class NtpServer(SettingResource):
    type_name = "vessel_ntp_server"
    model = sdk_model("NtpSettings")
    schema = Schema(
        {
            "id": Attribute(cty.String, computed=True, plan_modifiers=[use_state_for_unknown()],
                            description='Always "hmm" (the chassis has one NTP client); also the import ID.'),
            "enabled": Attribute(cty.Bool, optional=True, computed=True, default=True,
                                 description="Whether the HMM synchronises its clock over NTP (default true)."),
            "preferred_server": Attribute(cty.String, required=True,
                                          description="Host name or IP address of the first NTP server."),
            "alternate_server": Attribute(cty.String, optional=True, computed=True, default="",
                                          description='Host name or IP address of the second NTP server ("": none).'),
            "timezone": Attribute(cty.String, optional=True, computed=True, default="GMT+0",
                                  description='Time zone of the chassis as the HMM writes it: "GMT+8", "GMT-3:30".'),
            "sync_interval_min": Attribute(cty.Number, optional=True, computed=True, default=60,
                                           description="Minutes between synchronisations, 1-1440 (default 60)."),
        },
        description="The HMM's NTP client. A singleton: destroying it returns NTP to the factory "
                    "setting (off, no servers, GMT+0, 60 minutes). Every change is snapshotted, "
                    "verified by reading it back, rolled back when that fails, and audited.",
    )

    def bind(self, session):  # noqa: ANN001, ANN201
        return session.chassis.system.ntp


RESOURCES = [NtpServer]
