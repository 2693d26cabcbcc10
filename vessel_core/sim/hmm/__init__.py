"""The verbs of the HMM web dispatcher (fact sheet §2.4), one small function each.

Captured verbs answer with the documented shape. Verbs the sheet lists as called but with an
unknown body, and every write verb for menus with no captured handler, are marked ``[INF]``:
the shape is this emulator's choice, kept in the same style (``<result><retcode/><desp/>…``,
one element per field, list items as repeated elements, a ``<total>`` count), so drivers can
use them until a capture says otherwise.

One module per HMM menu, mirroring :mod:`vessel_core.chassis`: :mod:`.basic`, :mod:`.system`,
:mod:`.network`, :mod:`.easylink`, :mod:`.stateless`, :mod:`.power`, :mod:`.alarms`,
:mod:`.upgrade`; :mod:`._common` holds the registry (:func:`verb`, :data:`VERBS`), :class:`Call`
and the shared parsers. Importing this package registers every verb.
"""
from vessel_core.sim.hmm import alarms, basic, easylink, network, power, stateless, system, upgrade
from vessel_core.sim.hmm._common import VERBS, Call, verb

__all__ = ["VERBS", "Call", "verb", "alarms", "basic", "easylink", "network", "power", "stateless", "system",
           "upgrade"]
