// placeholder: filled in by the training work
