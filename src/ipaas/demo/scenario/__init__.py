"""The demo scenario: the hub, the storefront and the ERP connected, with live activity."""

from ipaas.demo.scenario.runner import DemoOptions, DemoRun, run_demo

__all__ = ["DemoOptions", "DemoRun", "run_demo"]
