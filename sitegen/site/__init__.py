"""Turning the model into a site: page plan, rendering, output."""
