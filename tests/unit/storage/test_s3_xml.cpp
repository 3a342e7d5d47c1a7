// ListObjectsV2 pages and error documents, as S3 (and look-alikes) send them,
// plus malformed, truncated and hostile XML.
#include <catch2/catch.hpp>

#include "jobmon/error.hpp"
#include "storage/s3_protocol.hpp"

using namespace jobmon;
using namespace jobmon::detail;

namespace {

const char* const page_xml = R"(<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Name>bucket</Name><Prefix>run/job/completions/</Prefix><KeyCount>3</KeyCount><MaxKeys>1000</MaxKeys>
  <Delimiter>/</Delimiter><IsTruncated>true</IsTruncated>
  <NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>
  <Contents><Key>run/job/completions/00000</Key><LastModified>2024-07-12T00:56:16.392Z</LastModified>
    <ETag>&quot;d41d8cd98f00b204e9800998ecf8427e&quot;</ETag><Size>0</Size><StorageClass>STANDARD</StorageClass></Contents>
  <Contents><Key>run/job/completions/a&amp;b &lt;odd&gt;</Key><LastModified>2024-07-12T00:56:17.000Z</LastModified><Size>12345678901</Size></Contents>
  <CommonPrefixes><Prefix>run/job/completions/sub/</Prefix></CommonPrefixes>
</ListBucketResult>)";

}  // namespace

TEST_CASE("S3 XML: a ListObjectsV2 page", "[storage]") {
  const S3ListPage page = parse_list_objects(page_xml);
  REQUIRE(page.objects.size() == 2);
  CHECK(page.objects[0].key == "run/job/completions/00000");
  CHECK(page.objects[0].size == 0);
  CHECK(page.objects[0].mtime == Approx(1720745776.392).epsilon(1e-12));
  CHECK(page.objects[1].key == "run/job/completions/a&b <odd>");  // entities decoded
  CHECK(page.objects[1].size == 12345678901ull);
  REQUIRE(page.common_prefixes.size() == 1);
  CHECK(page.common_prefixes[0] == "run/job/completions/sub/");
  CHECK(page.truncated);
  CHECK(page.next_token == "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=");
}

TEST_CASE("S3 XML: the last page and an empty listing", "[storage]") {
  const S3ListPage last = parse_list_objects(
      "<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>k</Key><Size>1</Size>"
      "<LastModified>2026-01-01T00:00:00Z</LastModified></Contents></ListBucketResult>");
  CHECK_FALSE(last.truncated);
  REQUIRE(last.objects.size() == 1);
  CHECK(last.objects[0].mtime == 1767225600.0);
  const S3ListPage empty = parse_list_objects("<ListBucketResult><KeyCount>0</KeyCount></ListBucketResult>");
  CHECK(empty.objects.empty());
  CHECK(empty.common_prefixes.empty());
  CHECK_FALSE(empty.truncated);
}

TEST_CASE("S3 XML: truncated and malformed documents are FormatErrors", "[storage]") {
  const std::string full = page_xml;
  // Every cut of a real page must fail cleanly (or, at a harmless point, parse).
  for (std::size_t cut = 0; cut < full.size(); cut += 7) {
    try {
      parse_list_objects(std::string_view(full).substr(0, cut));
      FAIL("a truncated page parsed at " << cut);
    } catch (const FormatError&) {
    }
  }
  CHECK_THROWS_AS(parse_list_objects(""), FormatError);
  CHECK_THROWS_AS(parse_list_objects("not xml at all"), FormatError);
  CHECK_THROWS_AS(parse_list_objects("<Error><Code>AccessDenied</Code></Error>"), FormatError);
  CHECK_THROWS_AS(parse_list_objects("<ListBucketResult><Contents><Size>1</Size></Contents></ListBucketResult>"),
                  FormatError);  // no Key
  CHECK_THROWS_AS(parse_list_objects("<ListBucketResult><Contents><Key>k</Key><Size>-1</Size></Contents></ListBucketResult>"),
                  FormatError);
  CHECK_THROWS_AS(parse_list_objects("<ListBucketResult><Contents><Key>k</Key><Size>99999999999999999999</Size>"
                                     "</Contents></ListBucketResult>"),
                  FormatError);
  CHECK_THROWS_AS(parse_list_objects("<ListBucketResult><Contents><Key>k</Key><LastModified>yesterday</LastModified>"
                                     "</Contents></ListBucketResult>"),
                  FormatError);
  // A truncated page must say where to go on, or pagination would loop.
  CHECK_THROWS_AS(parse_list_objects("<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>"),
                  FormatError);
  REQUIRE_THROWS_WITH(parse_list_objects("<ListBucketResult><Key>"), Catch::Contains("not valid XML"));
}

TEST_CASE("S3 XML: hostile documents do not expand or recurse", "[storage]") {
  // Billion laughs: expat's amplification limit stops it.
  std::string laughs = "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">";
  laughs += "<!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">";
  for (int i = 2; i <= 9; ++i)
    laughs += "<!ENTITY lol" + std::to_string(i) + " \"" + [&] {
      std::string s;
      for (int k = 0; k < 10; ++k) s += "&lol" + std::to_string(i - 1) + ";";
      return s;
    }() + "\">";
  laughs += "]><ListBucketResult><Contents><Key>&lol9;</Key></Contents></ListBucketResult>";
  CHECK_THROWS_AS(parse_list_objects(laughs), FormatError);
  // External entities are never fetched: the reference stays unexpanded text or fails.
  const std::string external =
      "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>"
      "<ListBucketResult><Contents><Key>&e;</Key></Contents></ListBucketResult>";
  try {
    const S3ListPage page = parse_list_objects(external);
    for (const auto& o : page.objects) CHECK(o.key.find("root:") == std::string::npos);
  } catch (const FormatError&) {
  }
  // Deep nesting is refused, not followed.
  std::string deep = "<ListBucketResult>";
  for (int i = 0; i < 10000; ++i) deep += "<a>";
  CHECK_THROWS_AS(parse_list_objects(deep), FormatError);
}

TEST_CASE("S3 XML: error documents", "[storage]") {
  const S3ErrorInfo e = parse_s3_error(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NoSuchBucket</Code>"
      "<Message>The specified bucket does not exist</Message><BucketName>b</BucketName></Error>");
  CHECK(e.code == "NoSuchBucket");
  CHECK(e.message == "The specified bucket does not exist");
  CHECK(parse_s3_error("").code.empty());  // HEAD answers have no body
  CHECK(parse_s3_error("<html>502 Bad Gateway</html>").code.empty());
  CHECK(parse_s3_error("<Error><Code>Slow").code.empty());
  CHECK(parse_s3_error("<Error><Message>" + std::string(5000, 'x') + "</Message></Error>").message.size() <= 300);
}

TEST_CASE("S3 XML: timestamps", "[storage]") {
  CHECK(parse_iso8601_utc("1970-01-01T00:00:00Z") == 0.0);
  CHECK(*parse_iso8601_utc("2024-07-12T00:56:16.5Z") == 1720745776.5);
  CHECK_FALSE(parse_iso8601_utc("2024-07-12T00:56:16"));  // no zone
  CHECK_FALSE(parse_iso8601_utc("2024-13-12T00:56:16Z"));
  CHECK_FALSE(parse_iso8601_utc("2024-07-12 00:56:16Z"));
  CHECK_FALSE(parse_iso8601_utc(""));
  CHECK(parse_http_date("Fri, 12 Jul 2024 00:56:16 GMT") == 1720745776.0);
  CHECK_FALSE(parse_http_date("Fri, 12 Jux 2024 00:56:16 GMT"));
  CHECK_FALSE(parse_http_date("12 Jul 2024"));
}
