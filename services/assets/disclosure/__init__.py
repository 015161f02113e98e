"""Public disclosure (三务公开): what a village publishes, shown to anyone without personal data."""
