"""The app-wide checks at synth, which no single construct can make (docs/design.md, "Checked at synth").

``collisions``: no two objects overwrite each other (checked at construction too); ``wiring``: no workload
reads a connection Secret its namespace lacks, or one whose Redis does not admit it; ``synth``: the one
construct validation that runs both, once per synth; ``tree``: what they read of the construct tree.
They know the constructs only through the small interfaces they define (``wiring.Bus``).
"""
