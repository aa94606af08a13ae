"""Small pieces of the foundation that any app may use: no models, no knowledge of the feature apps."""
