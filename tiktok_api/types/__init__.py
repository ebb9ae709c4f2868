"""Typed results of TikTok Business API calls, parsed at the boundary from the envelope's `data`.

Parsing is tolerant of the reference's known inconsistencies (IDs as numbers or strings, `price_info` vs
`price`, `product_detail` vs `profession`, `rejected_info` vs `reject_info`) and strict about nothing
else: a missing optional field becomes None / an empty tuple.
"""

from .auth import AccessToken, Advertiser, BusinessProfile, RevokeResult
from .catalog import (
    Catalog,
    CatalogOverview,
    CatalogPage,
    FeedLog,
    FeedLogIssue,
    FeedLogItem,
    Price,
    Product,
    ProductPage,
    RejectedInfo,
)
from .common import PageInfo
from .events import Pixel, PixelPage

__all__ = [
    "AccessToken",
    "Advertiser",
    "BusinessProfile",
    "Catalog",
    "CatalogOverview",
    "CatalogPage",
    "FeedLog",
    "FeedLogIssue",
    "FeedLogItem",
    "PageInfo",
    "Pixel",
    "PixelPage",
    "Price",
    "Product",
    "ProductPage",
    "RejectedInfo",
    "RevokeResult",
]
