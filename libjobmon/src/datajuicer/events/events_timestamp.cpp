// ISO-8601 timestamps as some Data-Juicer tests write them; naive times are UTC.
#include "core/text/iso8601.hpp"
#include "jobmon/datajuicer/snapshot_events.hpp"

namespace jobmon {

// Everything the shared scanner reads, but a fraction mark needs a digit.
std::optional<double> parse_iso8601(std::string_view t) {
  const auto fields = detail::scan_iso8601(t);
  if (!fields || (fields->fraction_mark != 0 && fields->fraction_digits.empty())) return std::nullopt;
  double fraction = 0, scale = 0.1;
  for (const char d : fields->fraction_digits) {
    fraction += (d - '0') * scale;
    scale /= 10;
  }
  const auto whole = *detail::civil_to_epoch(fields->civil) - fields->offset_seconds;
  return static_cast<double>(whole) + fraction;
}

}  // namespace jobmon
