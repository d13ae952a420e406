"""Alert rules: conditions over the queue and the api-call log, checked periodically by
``evaluate_rules``; a breached rule sends an email (SMTP per company) or POSTs JSON to a
URL (chat webhooks), at most once per period."""

from ipaas.notifications.evaluator import Firing, evaluate_rules
from ipaas.notifications.rules import RULE_KINDS, Measurement, breached, measure

__all__ = ["RULE_KINDS", "Firing", "Measurement", "breached", "evaluate_rules", "measure"]
