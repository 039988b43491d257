"""Receiving the webhooks that carry asynchronous results: a local receiver and signature checks."""

from workbench.core.webhooks.delivery import Delivery
from workbench.core.webhooks.receiver import WebhookReceiver
from workbench.core.webhooks.signatures import (
    HmacBodySignature,
    QueryToken,
    SignatureCheck,
    StandardWebhooks,
    Verification,
)

__all__ = [
    "Delivery",
    "HmacBodySignature",
    "QueryToken",
    "SignatureCheck",
    "StandardWebhooks",
    "Verification",
    "WebhookReceiver",
]
