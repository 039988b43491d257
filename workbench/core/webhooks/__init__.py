"""Receiving the webhooks that carry asynchronous results: a local receiver and signature checks."""

from workbench.core.webhooks.delivery import Delivery
from workbench.core.webhooks.receiver import WebhookReceiver
from workbench.core.webhooks.signatures import (
    QueryToken,
    SignatureCheck,
    StackOneSignature,
    StandardWebhooks,
    Verification,
)

__all__ = [
    "Delivery",
    "QueryToken",
    "SignatureCheck",
    "StackOneSignature",
    "StandardWebhooks",
    "Verification",
    "WebhookReceiver",
]
