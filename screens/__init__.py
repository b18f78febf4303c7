"""The presentation: the Textual App, one module per screen, shared widgets."""
