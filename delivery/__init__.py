"""Delivery: what happens between a commit and the accounts (docs/delivery.md).

``review``: the pull request's review report and stateful-change gate (``make review``), over
CDK's own diff engine (``cfn_diff.js``); ``stateful``: what the gate guards; ``sweep``: the
sweeper of branch environments (``make sweep``); ``snapshot``: the manual database snapshot
before a production deploy that changes the database; ``release``: the release artefact built
once and promoted by digest; ``preview``: branch environments; ``github``: the pull request
comment. Nothing here is imported by the CDK app.
"""
