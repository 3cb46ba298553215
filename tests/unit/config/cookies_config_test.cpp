// The `cookies` object of the configuration (README "DNS Cookies"): on by default, the
// secret as 32 hex digits, every error naming the JSON path.

#include <gtest/gtest.h>

#include <string>

#include "config/config.h"

namespace sitedns {
namespace {

Config with_cookies(const std::string& cookies) {
    return parse_config(R"({ "upstreams": [], "cookies": )" + cookies + " }", "/etc/sitedns",
                        "c.json");
}

std::string error_of(const std::string& cookies) {
    try {
        with_cookies(cookies);
    } catch (const ConfigError& error) {
        return error.what();
    }
    return "no error";
}

TEST(CookiesConfig, OnByDefaultWithARandomSecret) {
    const Config config = parse_config(R"({ "upstreams": [] })", "/etc/sitedns", "c.json");
    EXPECT_TRUE(config.cookies.enabled);
    EXPECT_FALSE(config.cookies.secret.has_value());
    EXPECT_EQ(with_cookies("{}").cookies, CookiesConfig{});
}

TEST(CookiesConfig, EveryKeyIsRead) {
    const Config config =
        with_cookies(R"({ "enabled": false, "secret": "E5e973e5a6b2a43f48e7dc849e37bfcf" })");
    EXPECT_FALSE(config.cookies.enabled);
    ASSERT_TRUE(config.cookies.secret.has_value());
    EXPECT_EQ((*config.cookies.secret)[0], 0xe5);
    EXPECT_EQ((*config.cookies.secret)[15], 0xcf);
}

TEST(CookiesConfig, ErrorsNameThePath) {
    const std::string bad_secret = "c.json: /cookies/secret: expected 32 hexadecimal digits";
    EXPECT_EQ(error_of(R"({ "secret": "abc" })").rfind(bad_secret, 0), 0u);
    EXPECT_EQ(error_of(R"({ "secret": "e5e973e5a6b2a43f48e7dc849e37bfcg" })").rfind(bad_secret, 0),
              0u);
    EXPECT_EQ(
        error_of(R"({ "secret": "e5e973e5a6b2a43f48e7dc849e37bfcf00" })").rfind(bad_secret, 0), 0u);
    // A sign or a space where a digit belongs: each byte is exactly two hex digits.
    for (const char* secret :
         {"-5e973e5a6b2a43f48e7dc849e37bfcf", "+5e973e5a6b2a43f48e7dc849e37bfcf",
          " 5e973e5a6b2a43f48e7dc849e37bfcf", "e5e973e5a6b2a43f48e7dc849e37bf 0"}) {
        EXPECT_EQ(error_of(std::string(R"({ "secret": ")") + secret + "\" }").rfind(bad_secret, 0),
                  0u)
            << secret;
    }
    EXPECT_NE(error_of(R"({ "secret": 5 })").find("/cookies/secret: expected a string"),
              std::string::npos);
    EXPECT_NE(error_of(R"({ "enabled": "yes" })").find("/cookies/enabled: expected true or false"),
              std::string::npos);
    EXPECT_NE(error_of(R"({ "enable": true })").find("/cookies/enable: unknown key"),
              std::string::npos);
    EXPECT_NE(error_of("true").find("/cookies: expected an object"), std::string::npos);
}

}  // namespace
}  // namespace sitedns
