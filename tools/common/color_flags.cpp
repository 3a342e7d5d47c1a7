#include "color_flags.hpp"

namespace jobmon::tools {

ColorMode ColorFlags::mode() const {
  return never ? ColorMode::never : always ? ColorMode::always : ColorMode::automatic;
}

void add_color_flags(CLI::App& app, ColorFlags& flags) {
  app.add_flag("--no-color", flags.never, "No colour (also: NO_COLOR=1)");
  app.add_flag("--color", flags.always, "Colour even when stdout is not a terminal");
}

}  // namespace jobmon::tools
