#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

namespace sitedns::dns {

/// Longest name in wire form, root label included (RFC 1035 §3.1).
inline constexpr std::size_t kMaxNameWire = 255;
/// Longest label (RFC 1035 §2.3.4).
inline constexpr std::size_t kMaxLabel = 63;

/// ASCII lowercase of one byte, the only case folding DNS does (RFC 4343).
constexpr std::uint8_t lower(std::uint8_t c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<std::uint8_t>(c + 32) : c;
}

/// A name that cannot be parsed; what() says why.
class NameError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

/// A domain name, kept in uncompressed wire form with the case it was given.
/// Comparison and hashing are case-insensitive (RFC 4343). Used at load time;
/// the query path works on wire bytes directly.
class Name {
  public:
    /// The root name ".".
    Name();

    /// Parses presentation format (RFC 1035 §5.1: `\.`, `\DDD` escapes). "@" is
    /// `origin`; a name without a trailing dot is completed with `origin`.
    /// Throws NameError (empty label, label > 63, name > 255, bad escape).
    static Name parse(std::string_view text, const Name& origin);
    /// Parses an absolute name; a missing trailing dot is accepted.
    static Name parse_absolute(std::string_view text);
    /// From uncompressed wire bytes; throws NameError when they are not one valid name.
    static Name from_wire(std::span<const std::uint8_t> wire);

    /// Uncompressed wire form, original case.
    std::span<const std::uint8_t> wire() const;
    /// Lowercased wire form, as a string of bytes: the key zone indexes use.
    std::string key() const;
    /// Presentation format with the trailing dot ("mail.paris.example.local.").
    std::string to_text() const;

    std::size_t label_count() const;  ///< root has 0
    bool is_root() const { return wire_.size() == 1; }
    bool is_wildcard() const;  ///< first label is "*"
    /// True when this name equals `other` or is below it (case-insensitive).
    bool is_subdomain_of(const Name& other) const;
    /// The name with its first label removed; root stays root.
    Name parent() const;
    /// "*." + this name. Throws NameError if it would be too long.
    Name wildcard() const;
    /// The part before `origin` as presentation text ("mail", "@" for the origin itself);
    /// the absolute text when this name is not below `origin`.
    std::string relative_to(const Name& origin) const;

    friend bool operator==(const Name& a, const Name& b);
    /// Canonical DNS order (RFC 4034 §6.1), case-insensitive.
    friend bool operator<(const Name& a, const Name& b);

  private:
    explicit Name(std::string wire) : wire_(std::move(wire)) {}
    std::string wire_;  // uncompressed wire bytes
};

/// Hash for unordered containers, consistent with the case-insensitive ==.
struct NameHash {
    std::size_t operator()(const Name& name) const;
};

}  // namespace sitedns::dns
