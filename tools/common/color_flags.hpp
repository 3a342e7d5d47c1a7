// --color / --no-color, as jobmon-status and jobmon-snapshot spell them.
#pragma once

#include <CLI/CLI.hpp>

#include "jobmon/cli/render.hpp"

namespace jobmon::tools {

struct ColorFlags {
  bool never = false;   // --no-color
  bool always = false;  // --color

  // --no-color wins over --color; neither: decide from the terminal.
  ColorMode mode() const;
};

// Adds both flags to `app`, in this order: --no-color, --color.
void add_color_flags(CLI::App& app, ColorFlags& flags);

}  // namespace jobmon::tools
