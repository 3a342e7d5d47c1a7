// S3's XML answers, read with libexpat (a streaming parser from Debian, with
// built-in limits against entity-expansion attacks). Only the few elements
// jobmon needs are kept; everything else is skipped.
#include <expat.h>

#include <climits>
#include <functional>
#include <memory>

#include "core/text/text.hpp"
#include "jobmon/error.hpp"
#include "storage/s3_protocol.hpp"

namespace jobmon::detail {
namespace {

constexpr std::size_t max_depth = 32;  // S3 documents are 3 levels deep

// Walks a document, keeping the path of open elements and the text of the
// innermost one; `on_end(path, text)` sees every closed element.
class XmlWalker {
 public:
  using EndFn = std::function<void(const std::vector<std::string>& path, const std::string& text)>;

  explicit XmlWalker(EndFn on_end) : on_end_(std::move(on_end)) {}

  // Returns an error message, empty on success.
  std::string parse(std::string_view xml) {
    if (xml.size() > static_cast<std::size_t>(INT_MAX)) return "document too large";
    std::unique_ptr<XML_ParserStruct, decltype(&XML_ParserFree)> parser(XML_ParserCreate(nullptr), &XML_ParserFree);
    if (!parser) return "out of memory";
    XML_SetUserData(parser.get(), this);
    XML_SetElementHandler(parser.get(), &XmlWalker::start, &XmlWalker::end);
    XML_SetCharacterDataHandler(parser.get(), &XmlWalker::chars);
    if (XML_Parse(parser.get(), xml.data(), static_cast<int>(xml.size()), XML_TRUE) == XML_STATUS_ERROR) {
      if (!error_.empty()) return error_;
      return std::string(XML_ErrorString(XML_GetErrorCode(parser.get()))) + " at line " +
             std::to_string(XML_GetCurrentLineNumber(parser.get()));
    }
    return error_;
  }

  const std::string& root() const { return root_; }

 private:
  static void start(void* self_ptr, const XML_Char* name, const XML_Char**) {
    auto* self = static_cast<XmlWalker*>(self_ptr);
    if (self->path_.empty() && self->root_.empty()) self->root_ = name;
    if (self->path_.size() >= max_depth) {
      self->error_ = "elements nested too deeply";
      return;
    }
    self->path_.emplace_back(name);
    self->text_.clear();
  }
  static void end(void* self_ptr, const XML_Char*) {
    auto* self = static_cast<XmlWalker*>(self_ptr);
    if (self->path_.empty() || !self->error_.empty()) return;
    self->on_end_(self->path_, self->text_);
    self->path_.pop_back();
    self->text_.clear();
  }
  static void chars(void* self_ptr, const XML_Char* data, int len) {
    auto* self = static_cast<XmlWalker*>(self_ptr);
    if (len > 0 && self->text_.size() < (1u << 20)) self->text_.append(data, static_cast<std::size_t>(len));
  }

  EndFn on_end_;
  std::vector<std::string> path_;
  std::string text_;
  std::string root_;
  std::string error_;
};

std::uint64_t parse_size(const std::string& text) {
  const auto value = detail::parse_decimal(text, 19);
  if (!value) throw FormatError("S3 listing: bad Size '" + text + "'");
  return *value;
}

}  // namespace

S3ListPage parse_list_objects(std::string_view xml) {
  S3ListPage page;
  S3Object current;
  bool have_key = false;
  std::string format_error;
  XmlWalker walker([&](const std::vector<std::string>& path, const std::string& text) {
    if (path.size() == 2) {
      const std::string& name = path[1];
      if (name == "IsTruncated") page.truncated = text == "true";
      else if (name == "NextContinuationToken") page.next_token = text;
      else if (name == "Contents") {
        if (!have_key) format_error = "Contents without Key";
        else page.objects.push_back(std::move(current));
        current = S3Object{};
        have_key = false;
      }
    } else if (path.size() == 3 && path[1] == "Contents") {
      const std::string& name = path[2];
      try {
        if (name == "Key") {
          current.key = text;
          have_key = true;
        } else if (name == "Size") {
          current.size = parse_size(text);
        } else if (name == "LastModified") {
          auto t = parse_iso8601_utc(text);
          if (!t) throw FormatError("bad LastModified '" + text + "'");
          current.mtime = *t;
        }
      } catch (const FormatError& e) {
        if (format_error.empty()) format_error = e.what();
      }
    } else if (path.size() == 3 && path[1] == "CommonPrefixes" && path[2] == "Prefix") {
      page.common_prefixes.push_back(text);
    }
  });
  const std::string error = walker.parse(xml);
  if (!error.empty()) throw FormatError("S3 listing is not valid XML: " + error);
  if (walker.root() != "ListBucketResult")
    throw FormatError("S3 listing: expected ListBucketResult, got " +
                      (walker.root().empty() ? std::string("no element") : walker.root()));
  if (!format_error.empty()) throw FormatError("S3 listing: " + format_error);
  if (page.truncated && page.next_token.empty())
    throw FormatError("S3 listing: truncated page without NextContinuationToken");
  return page;
}

S3ErrorInfo parse_s3_error(std::string_view xml) {
  S3ErrorInfo info;
  XmlWalker walker([&](const std::vector<std::string>& path, const std::string& text) {
    if (path.size() == 2 && path[0] == "Error") {
      if (path[1] == "Code") info.code = text;
      else if (path[1] == "Message") info.message = text;
    }
  });
  if (!walker.parse(xml).empty() || walker.root() != "Error") return {};
  if (info.message.size() > 300) info.message.resize(300);
  return info;
}

}  // namespace jobmon::detail
