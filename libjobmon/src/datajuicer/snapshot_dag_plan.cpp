// dag_execution_plan.json through simdjson On-Demand: a plan of thousands of
// partitions x tens of ops has 10^5 nodes, whose configs we skip unread.
#include <simdjson.h>

#include <boost/json.hpp>

#include <charconv>
#include <map>
#include <set>

#include "datajuicer/snapshot_sources.hpp"
#include "datajuicer/snapshot_state.hpp"
#include "jobmon/error.hpp"

namespace jobmon::detail {
namespace od = simdjson::ondemand;
namespace json = boost::json;
namespace {

constexpr std::uint64_t max_plan_bytes = 256ull << 20;

std::optional<std::int64_t> number_after(std::string_view text, std::size_t pos, std::size_t* end = nullptr) {
  std::int64_t value = 0;
  const auto [p, ec] = std::from_chars(text.data() + pos, text.data() + text.size(), value);
  if (ec != std::errc()) return std::nullopt;
  if (end != nullptr) *end = static_cast<std::size_t>(p - text.data());
  return value;
}

std::int64_t count_elements(od::value& v) {
  od::array a;
  std::size_t n = 0;
  if (v.get_array().get(a) || a.count_elements().get(n)) return 0;
  return static_cast<std::int64_t>(n);
}

}  // namespace

DagInfo load_dag_plan(const Storage& storage, const std::string& path) {
  DagInfo info;
  const EntryType type = storage.stat(path).type;
  if (type == EntryType::missing) return info;
  if (type != EntryType::file) {
    info.error = not_regular_file_reason(type, "a DAG plan");
    return info;
  }
  simdjson::padded_string text;
  try {
    text = simdjson::padded_string(storage.read(path, max_plan_bytes));
  } catch (const StorageError& e) {
    info.error = e.what();
    return info;
  }
  if (std::string_view(text.data(), text.size()).find_first_not_of(" \t\r\n") == std::string_view::npos) {
    info.error = "empty file";
    return info;
  }
  od::parser parser;
  od::document doc;
  od::object root;
  if (parser.iterate(text).get(doc) || doc.get_object().get(root)) {
    info.error = "not a JSON object";
    return info;
  }
  json::value execution_plan = json::array(), metadata = json::object();
  std::map<std::int64_t, std::string> ops;  // operation_idx -> name
  std::set<std::int64_t> partitions;
  bool ok = true;
  for (auto field : root) {
    std::string_view key;
    od::value value;
    if (field.unescaped_key().get(key) || field.value().get(value)) {
      ok = false;
      break;
    }
    if (key == "nodes") {
      od::object nodes;
      if (value.get_object().get(nodes)) continue;
      for (auto node : nodes) {
        std::string_view node_id;
        od::value body;
        if (node.unescaped_key().get(node_id) || node.value().get(body)) {
          ok = false;
          break;
        }
        ++info.total_nodes;
        std::string node_key(node_id);
        std::string op_name;
        od::object fields;
        if (!body.get_object().get(fields)) {
          for (auto f : fields) {
            std::string_view k, s;
            if (f.unescaped_key().get(k)) break;
            if (k == "op_name" && !f.value().get_string().get(s)) op_name = std::string(s);
          }
        }
        // op_{idx+1:03d}_{name}[_partition_{pid} | _global]
        if (node_key.rfind("op_", 0) != 0) continue;
        std::size_t after = 0;
        const auto order = number_after(node_key, 3, &after);
        if (!order || *order < 1) continue;
        if (!ops.count(*order - 1) || ops[*order - 1].empty()) ops[*order - 1] = op_name;
        const auto marker = node_key.rfind("_partition_");
        if (marker != std::string::npos) {
          std::size_t end = 0;
          const auto pid = number_after(node_key, marker + 11, &end);
          if (pid && end == node_key.size()) partitions.insert(*pid);
        }
      }
    } else if (key == "edges") {
      info.total_edges = count_elements(value);
    } else if (key == "execution_plan") {
      od::array list;
      std::string_view raw;
      if (value.get_array().get(list) || list.raw_json().get(raw)) continue;
      boost::system::error_code ec;
      execution_plan = json::parse(raw, ec);
      if (ec || !execution_plan.is_array()) ok = false;
      else info.execution_plan_length = static_cast<std::int64_t>(execution_plan.get_array().size());
    } else if (key == "metadata") {
      od::object object;
      std::string_view raw;
      if (value.get_object().get(object) || object.raw_json().get(raw)) continue;
      boost::system::error_code ec;
      metadata = json::parse(raw, ec);
      if (ec || !metadata.is_object()) ok = false;
    } else if (key == "parallel_groups") {
      info.parallel_groups = count_elements(value);
    }
  }
  if (!ok) {
    info.error = "malformed JSON";
    return info;
  }
  info.loaded = true;
  info.execution_plan = std::move(execution_plan);
  info.metadata = std::move(metadata);
  info.planned_partitions = static_cast<std::int64_t>(partitions.size());
  for (auto& [idx, name] : ops)  // only the ops it names, whatever their idx
    if (idx >= 0 && idx < max_operations) info.planned_operations[idx] = std::move(name);
  return info;
}

}  // namespace jobmon::detail
