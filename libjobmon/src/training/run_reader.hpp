#pragma once
// placeholder: filled in by the training work
