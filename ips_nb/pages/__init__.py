"""The pages layer: what people read, made from figures with Jinja2 templates (`templates/`).

The supervision pack (`pack`), the conference agenda (`agenda`), the regional overview
(`overview`), the reports index (`index`), charts (`charts`), labels in da/sv/en (`labels`,
`catalogue`), the static page around an executed notebook (`report`), the agenda PDF (`pdf`) and
the one template environment, autoescaping on (`render`). Python hands templates data, never markup.

May import: the figures and data layers, and this layer. Never batch, live or the command line.
"""
