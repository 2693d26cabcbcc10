"""Registry of the vessel provider's resources, data sources and functions (extend the lists)."""
from tfprovider.vessel.resources.actions import ACTIONS
from tfprovider.vessel.resources.alarm_subscription import RESOURCES as _ALARM_SUBSCRIPTION
from tfprovider.vessel.resources.alarms_info import DATA_SOURCES as _ALARMS_DATA_SOURCES
from tfprovider.vessel.resources.blade import RESOURCES as _BLADE
from tfprovider.vessel.resources.blades_info import DATA_SOURCES as _BLADE_DATA_SOURCES
from tfprovider.vessel.resources.chassis_info import DATA_SOURCES as _CHASSIS_DATA_SOURCES
from tfprovider.vessel.resources.chassis_settings import RESOURCES as _CHASSIS_SETTINGS
from tfprovider.vessel.resources.compute_profile import RESOURCES as _COMPUTE_PROFILE
from tfprovider.vessel.resources.firmware import RESOURCES as _FIRMWARE
from tfprovider.vessel.resources.firmware_inventory import DATA_SOURCES as _FIRMWARE_DATA_SOURCES
from tfprovider.vessel.resources.functions import FUNCTIONS as _SWITCH_FUNCTIONS
from tfprovider.vessel.resources.kvm_screenshot import DATA_SOURCES as _KVM_DATA_SOURCES
from tfprovider.vessel.resources.lag import RESOURCES as _LAG
from tfprovider.vessel.resources.ldap_domain import RESOURCES as _LDAP
from tfprovider.vessel.resources.lists import LIST_RESOURCES
from tfprovider.vessel.resources.mgmt_network import RESOURCES as _MGMT_NETWORK
from tfprovider.vessel.resources.ntp_server import RESOURCES as _NTP
from tfprovider.vessel.resources.pools import RESOURCES as _POOLS
from tfprovider.vessel.resources.power_policy import RESOURCES as _POWER_POLICY
from tfprovider.vessel.resources.switch_info import DATA_SOURCES as _SWITCH_DATA_SOURCES
from tfprovider.vessel.resources.switch_port import RESOURCES as _PORT
from tfprovider.vessel.resources.switch_profile import RESOURCES as _SWITCH_PROFILE
from tfprovider.vessel.resources.user import RESOURCES as _USER
from tfprovider.vessel.resources.vlan import RESOURCES as _VLAN
from tfprovider.vessel.resources.vnic_profile import RESOURCES as _VNIC_PROFILE

RESOURCES = [*_VLAN, *_PORT, *_LAG, *_NTP, *_USER, *_VNIC_PROFILE, *_SWITCH_PROFILE, *_POOLS, *_COMPUTE_PROFILE,
             *_BLADE, *_MGMT_NETWORK, *_ALARM_SUBSCRIPTION, *_CHASSIS_SETTINGS, *_POWER_POLICY, *_LDAP, *_FIRMWARE]
DATA_SOURCES = [*_KVM_DATA_SOURCES, *_SWITCH_DATA_SOURCES, *_BLADE_DATA_SOURCES, *_ALARMS_DATA_SOURCES,
                *_CHASSIS_DATA_SOURCES, *_FIRMWARE_DATA_SOURCES]
FUNCTIONS = [*_SWITCH_FUNCTIONS]

__all__ = ["ACTIONS", "DATA_SOURCES", "FUNCTIONS", "LIST_RESOURCES", "RESOURCES"]
