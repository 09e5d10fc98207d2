"""`make cost`: a monthly estimate per environment, computed from the synthesized templates
(docs/cost.md). ``prices``: the versioned price table; ``estimate``: one pricing rule per
CloudFormation type; ``render``: text, Markdown and JSON. No CDK import."""
