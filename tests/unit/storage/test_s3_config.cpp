// AWS-style configuration: environment, ~/.aws/credentials, ~/.aws/config,
// with the AWS CLI's precedence, and secrets kept out of messages.
#include <catch2/catch.hpp>

#include <map>

#include "jobmon/error.hpp"
#include "jobmon/storage/s3_config.hpp"
#include "storage/s3_protocol.hpp"
#include "temp_tree.hpp"

using namespace jobmon;
using namespace jobmon::detail;

namespace {

EnvLookup env_of(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

}  // namespace

TEST_CASE("S3 config: INI parsing", "[storage]") {
  const IniFile ini = parse_ini(
      "# comment\n"
      "[default]\n"
      "aws_access_key_id = AKIA1\r\n"
      "aws_secret_access_key=abc=def\n"
      "; another comment\n"
      "\n"
      "[profile team]\n"
      "region = eu-west-1\n"
      "s3 =\n"
      "  endpoint_url = http://minio:9000\n"
      "  addressing_style = path\n"
      "endpoint_url = http://all:1\n"
      "[broken\n"
      "no equals sign here\n"
      " = no key\n");
  REQUIRE(ini.count("default") == 1);
  CHECK(ini.at("default").at("aws_access_key_id") == "AKIA1");
  CHECK(ini.at("default").at("aws_secret_access_key") == "abc=def");  // '=' inside a value
  const auto& team = ini.at("profile team");
  CHECK(team.at("region") == "eu-west-1");
  CHECK(team.at("s3.endpoint_url") == "http://minio:9000");
  CHECK(team.at("s3.addressing_style") == "path");
  CHECK(team.at("endpoint_url") == "http://all:1");
  CHECK(team.size() == 4);  // malformed lines skipped
  CHECK(parse_ini("").empty());
  CHECK(parse_ini(std::string("\0\xff[x]\n=\n", 8)).size() <= 1);  // binary junk never crashes
}

TEST_CASE("S3 config: environment variables", "[storage]") {
  const S3Config c = load_s3_config(env_of({{"HOME", "/nonexistent"},
                                            {"AWS_ACCESS_KEY_ID", "AKIAENV"},
                                            {"AWS_SECRET_ACCESS_KEY", "sekrit-env"},
                                            {"AWS_SESSION_TOKEN", "tok"},
                                            {"AWS_DEFAULT_REGION", "eu-central-1"}}));
  CHECK(c.access_key_id == "AKIAENV");
  CHECK(c.secret_access_key == "sekrit-env");
  CHECK(c.session_token == "tok");
  CHECK(c.region == "eu-central-1");
  CHECK(c.endpoint == "https://s3.eu-central-1.amazonaws.com");
  CHECK_FALSE(c.path_style);
  CHECK(c.describe().find("sekrit") == std::string::npos);
  CHECK(c.describe().find("tok") == std::string::npos);

  const S3Config custom = load_s3_config(env_of({{"HOME", "/nonexistent"},
                                                 {"AWS_REGION", "us-west-2"},
                                                 {"AWS_DEFAULT_REGION", "eu-central-1"},
                                                 {"AWS_ENDPOINT_URL", "http://generic:1/"},
                                                 {"AWS_ENDPOINT_URL_S3", "http://127.0.0.1:9000/"}}));
  CHECK(custom.region == "us-west-2");  // AWS_REGION wins
  CHECK(custom.endpoint == "http://127.0.0.1:9000");  // the S3-specific one wins, no trailing slash
  CHECK(custom.path_style);
  CHECK(custom.access_key_id.empty());  // anonymous
  CHECK(custom.describe().find("anonymous") != std::string::npos);

  CHECK_THROWS_AS(load_s3_config(env_of({{"HOME", "/nonexistent"}, {"AWS_ACCESS_KEY_ID", "AKIA"}})), UsageError);
  CHECK_THROWS_AS(load_s3_config(env_of({{"HOME", "/nonexistent"}, {"AWS_ENDPOINT_URL", "ftp://x"}})), UsageError);
}

TEST_CASE("S3 config: profiles in ~/.aws", "[storage]") {
  test::TempTree home;
  home.write(".aws/credentials",
             "[default]\naws_access_key_id = AKIADEF\naws_secret_access_key = def-secret\n"
             "[team]\naws_access_key_id = AKIATEAM\naws_secret_access_key = team-secret\naws_session_token = t1\n"
             "[half]\naws_access_key_id = AKIAHALF\n");
  home.write(".aws/config",
             "[default]\nregion = ap-south-1\n"
             "[profile team]\nregion = eu-west-3\ns3 =\n  endpoint_url = http://minio.local:9000\n"
             "[profile cfgonly]\naws_access_key_id = AKIACFG\naws_secret_access_key = cfg-secret\n"
             "[profile half]\n");

  const S3Config def = load_s3_config(env_of({{"HOME", home.root()}}));
  CHECK(def.access_key_id == "AKIADEF");
  CHECK(def.region == "ap-south-1");
  CHECK(def.credentials_source == home.root() + "/.aws/credentials");

  const S3Config team = load_s3_config(env_of({{"HOME", home.root()}, {"AWS_PROFILE", "team"}}));
  CHECK(team.access_key_id == "AKIATEAM");
  CHECK(team.session_token == "t1");
  CHECK(team.region == "eu-west-3");
  CHECK(team.endpoint == "http://minio.local:9000");
  CHECK(team.path_style);
  CHECK(team.describe().find("team-secret") == std::string::npos);
  CHECK(team.describe().find("[team]") != std::string::npos);

  const S3Config cfg = load_s3_config(env_of({{"HOME", home.root()}, {"AWS_PROFILE", "cfgonly"}}));
  CHECK(cfg.access_key_id == "AKIACFG");

  // Environment keys beat the files; AWS_REGION beats the profile's region.
  const S3Config env_wins = load_s3_config(env_of({{"HOME", home.root()}, {"AWS_PROFILE", "team"},
                                                   {"AWS_ACCESS_KEY_ID", "AKIAENV"}, {"AWS_SECRET_ACCESS_KEY", "e"},
                                                   {"AWS_REGION", "us-east-2"}}));
  CHECK(env_wins.access_key_id == "AKIAENV");
  CHECK(env_wins.session_token.empty());
  CHECK(env_wins.region == "us-east-2");

  CHECK_THROWS_AS(load_s3_config(env_of({{"HOME", home.root()}, {"AWS_PROFILE", "nobody"}})), UsageError);
  CHECK_THROWS_AS(load_s3_config(env_of({{"HOME", home.root()}, {"AWS_PROFILE", "half"}})), UsageError);

  // Files named by AWS_SHARED_CREDENTIALS_FILE / AWS_CONFIG_FILE replace ~/.aws.
  home.write("elsewhere/creds", "[default]\naws_access_key_id = AKIAELSE\naws_secret_access_key = x\n");
  const S3Config elsewhere = load_s3_config(env_of({{"HOME", home.root()},
                                                    {"AWS_SHARED_CREDENTIALS_FILE", home.path("elsewhere/creds")},
                                                    {"AWS_CONFIG_FILE", home.path("elsewhere/none")}}));
  CHECK(elsewhere.access_key_id == "AKIAELSE");
  CHECK(elsewhere.region == "us-east-1");
}
