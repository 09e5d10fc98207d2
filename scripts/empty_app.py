"""The floor for `make bench`: a CDK app holding one empty stack (the CLI refuses an
app with no stacks at all), started the same way as the project's app."""

from aws_cdk import App, Stack

app = App()
Stack(app, "Empty")
app.synth()
