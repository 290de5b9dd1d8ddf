"""What every agentsmith construct is built on: ``construct`` (checked constructor, read-only handles) and
``manifest`` (a plain-dict manifest as one ``cdk8s.ApiObject``)."""
