"""Settings of the two demo external systems (credentials, paging, webhook delivery)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class DemoSettings(BaseModel):
    """How a demo system behaves. The defaults suit the demo; tests shorten the timings.

    The credentials are demo values, not secrets of anything real; they are still kept
    out of ``repr`` so they do not end up in logs by habit.
    """

    model_config = ConfigDict(frozen=True)

    seed: int = Field(default=42, description="seed of the data generator and of chaos")
    currency: str = "EUR"
    vat_rate: float = Field(default=0.19, ge=0, le=1)
    default_page_size: int = Field(default=50, ge=1)
    max_page_size: int = Field(default=250, ge=1)

    shop_api_token: str = Field(default="shop-demo-token", repr=False)
    shop_webhook_secret: str = Field(default="shop-demo-webhook-secret", repr=False)

    erp_client_id: str = "erp-demo-client"
    erp_client_secret: str = Field(default="erp-demo-secret", repr=False)
    erp_token_ttl_s: float = Field(default=3600.0, gt=0, description="access token lifetime")
    erp_strict_references: bool = Field(
        default=True, description="sales orders must name an existing customer and items"
    )

    webhook_max_attempts: int = Field(default=4, ge=1)
    webhook_backoff_s: float = Field(default=0.05, ge=0, description="doubles per attempt")
    webhook_timeout_s: float = Field(default=5.0, gt=0)
    webhook_concurrency: int = Field(default=4, ge=1)
    webhook_max_pending: int = Field(default=10_000, ge=1, description="beyond: dropped")
    webhook_batch_window_s: float = Field(
        default=0.05, ge=0, description="ERP: changes within this window share one notification"
    )
