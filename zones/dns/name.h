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

/// The labels of an uncompressed wire name (RFC 1035 §3.1), first to last: the one walk
/// over label lengths below server/wire, bounds-checked. It stops at the root label, at
/// a byte that is no label length (a compression pointer or a retired label type, over
/// 63) and at a label that would run past the bytes or leave no room for a root label
/// after it; it never reads outside `name`.
class LabelWalk {
  public:
    explicit LabelWalk(std::span<const std::uint8_t> name) : name_(name) {}
    /// Moves to the next label; false when there is none (see above).
    bool next() {
        if (next_ >= name_.size()) return false;
        const std::size_t length = name_[next_];
        // One compare for both "root label" (0 wraps to the top) and "not a label length".
        if (length - 1 >= kMaxLabel || next_ + 1 + length >= name_.size()) return false;
        at_ = next_;
        next_ += 1 + length;
        return true;
    }
    /// Where the current label's length byte is.
    std::size_t at() const { return at_; }
    /// After next() returned false: the offset just past the root label, or 0 when the
    /// walk stopped on anything but a root label.
    std::size_t end() const { return next_ < name_.size() && name_[next_] == 0 ? next_ + 1 : 0; }

  private:
    std::span<const std::uint8_t> name_;
    std::size_t at_ = 0;
    std::size_t next_ = 0;
};

/// The suffixes of an uncompressed wire name, longest first: the name itself, then the
/// name without its first label, and so on to the root label, each ending where `name`
/// ends (give it one name, nothing after its root). Over LabelWalk, with its checks: a
/// malformed name ends the walk early, without the root.
class SuffixWalk {
  public:
    explicit SuffixWalk(std::span<const std::uint8_t> name) : name_(name), labels_(name) {}
    /// Moves to the next suffix; false after the root.
    bool next() {
        if (labels_.next()) {
            suffix_ = name_.subspan(labels_.at());
            return true;
        }
        if (root_seen_ || labels_.end() == 0) return false;
        root_seen_ = true;
        suffix_ = name_.subspan(labels_.end() - 1, 1);
        return true;
    }
    std::span<const std::uint8_t> suffix() const { return suffix_; }

  private:
    std::span<const std::uint8_t> name_;
    LabelWalk labels_;
    std::span<const std::uint8_t> suffix_;
    bool root_seen_ = false;
};

/// Length of the uncompressed wire name at the start of `bytes`, root label included;
/// 0 when they do not start with one (LabelWalk's checks).
inline std::size_t name_length(std::span<const std::uint8_t> bytes) {
    LabelWalk walk(bytes);
    while (walk.next()) {
    }
    return walk.end();
}

/// True when two uncompressed wire names (or any byte strings) are equal ignoring
/// ASCII case (RFC 4343).
bool equal_nocase(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b);

/// True when the uncompressed wire `name` equals `origin` or is below it (whole labels,
/// any case).
bool at_or_below(std::span<const std::uint8_t> name, std::span<const std::uint8_t> origin);

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
    std::span<const std::uint8_t> wire() const {
        return {reinterpret_cast<const std::uint8_t*>(wire_.data()), wire_.size()};
    }
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
    friend class NameRef;
    explicit Name(std::string wire) : wire_(std::move(wire)) {}
    std::string wire_;  // uncompressed wire bytes
};

/// A valid name in uncompressed wire form whose bytes live elsewhere (a compiled zone's
/// byte arena): what a zone's nodes hold, so that a million names cost no allocation
/// each. The bytes must outlive it. Comparison is case-insensitive (RFC 4343).
class NameRef {
  public:
    /// The root name ".".
    NameRef() = default;
    /// Views `wire`, which must be one valid uncompressed name (not checked).
    explicit NameRef(std::span<const std::uint8_t> wire) : data_(wire.data()), size_(wire.size()) {}

    /// Uncompressed wire form, original case.
    std::span<const std::uint8_t> wire() const { return {data_, size_}; }
    /// Presentation format with the trailing dot, as Name::to_text().
    std::string to_text() const;
    std::size_t label_count() const;  ///< root has 0
    bool is_root() const { return size_ == 1; }
    /// A Name holding a copy of the bytes.
    Name to_name() const { return Name(std::string(reinterpret_cast<const char*>(data_), size_)); }
    /// Code that takes a `const Name&` takes a node's name too (a copy).
    operator Name() const { return to_name(); }  // NOLINT(google-explicit-constructor)

    friend bool operator==(NameRef a, NameRef b);
    /// Canonical DNS order (RFC 4034 §6.1), case-insensitive.
    friend bool operator<(NameRef a, NameRef b);

  private:
    static constexpr std::uint8_t kRoot[1] = {0};
    const std::uint8_t* data_ = kRoot;
    std::size_t size_ = 1;
};

/// Hash for unordered containers, consistent with the case-insensitive ==.
struct NameHash {
    std::size_t operator()(const Name& name) const;
};

}  // namespace sitedns::dns
