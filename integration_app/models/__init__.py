from .b2b import CompanyLink, ManagedCatalog
from .bulk import PendingBulkOperation
from .cin7_webhooks import Cin7Webhooks, WebhookStatus
from .compliance import ComplianceRequest
from .links import MAX_INVITE_ATTEMPTS, CustomerLink, InviteStatus, VariantPrice
from .platform import Cin7Pace, OAuthState, WebhookDelivery
from .runs import (
    ACTIVE_STATUSES,
    COUNT_KEYS,
    OpenProblem,
    RunKind,
    RunStatus,
    RunTrigger,
    SyncIssue,
    SyncRun,
    empty_counts,
)
from .shops import (
    Cin7Connection,
    CustomerAccountsVersion,
    OnUntag,
    PackSize,
    Shop,
    ShopSyncState,
    SyncSettings,
)

__all__ = [
    "ACTIVE_STATUSES",
    "COUNT_KEYS",
    "MAX_INVITE_ATTEMPTS",
    "Cin7Connection",
    "Cin7Pace",
    "Cin7Webhooks",
    "CompanyLink",
    "ComplianceRequest",
    "CustomerAccountsVersion",
    "CustomerLink",
    "InviteStatus",
    "ManagedCatalog",
    "OAuthState",
    "OnUntag",
    "OpenProblem",
    "PackSize",
    "PendingBulkOperation",
    "RunKind",
    "RunStatus",
    "RunTrigger",
    "Shop",
    "ShopSyncState",
    "SyncIssue",
    "SyncRun",
    "SyncSettings",
    "VariantPrice",
    "WebhookDelivery",
    "WebhookStatus",
    "empty_counts",
]
