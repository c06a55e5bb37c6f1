"""What several pages share: cached model loaders, the model picker, chart helpers, session models."""
