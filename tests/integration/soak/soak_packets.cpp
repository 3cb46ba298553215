#include "tests/integration/soak/soak_packets.h"

#include <array>
#include <string>

namespace sitedns::soak {
namespace {

constexpr std::size_t kHeader = 12;
constexpr std::uint16_t kOpt = 41;
constexpr std::uint16_t kEcs = 8;      // RFC 7871 §6
constexpr std::uint16_t kCookie = 10;  // RFC 7873 §4

constexpr std::array<std::string_view, 10> kNames = {
    "paris.example.local",
    "mail.madrid.example.local",
    "MAIL.Paris.Example.LOCAL",
    "london.example.local",
    "nothing.paris.example.local",
    "www.lab.test",
    "lab.test",
    "alias.lab.test",
    "a.b.c.d.e.f.example.org",
    "",
};
constexpr std::array<std::uint16_t, 8> kTypes = {1, 15, 28, 16, 6, 2, 255, 33};

void put16(Bytes& b, std::uint16_t v) {
    b.push_back(static_cast<std::uint8_t>(v >> 8));
    b.push_back(static_cast<std::uint8_t>(v));
}

void set16(Bytes& b, std::size_t at, std::uint16_t v) {
    b[at] = static_cast<std::uint8_t>(v >> 8);
    b[at + 1] = static_cast<std::uint8_t>(v);
}

std::uint16_t get16(const Bytes& b, std::size_t at) {
    return static_cast<std::uint16_t>(b[at] << 8 | b[at + 1]);
}

Bytes header(std::uint16_t id, std::uint16_t flags, std::uint16_t qd, std::uint16_t ar) {
    Bytes b;
    put16(b, id);
    put16(b, flags);
    put16(b, qd);
    put16(b, 0);
    put16(b, 0);
    put16(b, ar);
    return b;
}

/// `dotted` as uncompressed labels; any byte but '.' goes into a label as it is.
void append_name(Bytes& b, std::string_view dotted) {
    while (!dotted.empty()) {
        const std::size_t dot = std::min(dotted.find('.'), dotted.size());
        b.push_back(static_cast<std::uint8_t>(dot));
        b.insert(b.end(), dotted.begin(), dotted.begin() + static_cast<std::ptrdiff_t>(dot));
        dotted.remove_prefix(std::min(dot + 1, dotted.size()));
    }
    b.push_back(0);
}

Bytes option(std::uint16_t code, const Bytes& data) {
    Bytes b;
    put16(b, code);
    put16(b, static_cast<std::uint16_t>(data.size()));
    append(b, data);
    return b;
}

Bytes ecs(std::uint16_t family, std::uint8_t source, std::uint8_t scope, const Bytes& address) {
    Bytes data;
    put16(data, family);
    data.push_back(source);
    data.push_back(scope);
    append(data, address);
    return option(kEcs, data);
}

/// An OPT record (RFC 6891 §6.1.2) with `options` as its RDATA.
Bytes opt_record(std::uint16_t udp_size, std::uint8_t version, std::uint16_t flags,
                 const Bytes& options) {
    Bytes b{0};  // root owner
    put16(b, kOpt);
    put16(b, udp_size);
    b.push_back(0);  // extended RCODE
    b.push_back(version);
    put16(b, flags);
    put16(b, static_cast<std::uint16_t>(options.size()));
    append(b, options);
    return b;
}

/// A query: RD set, one question, and the OPT `opt` unless it is empty.
Bytes query(std::uint16_t id, std::string_view name, std::uint16_t type, const Bytes& opt) {
    Bytes b = header(id, 0x0100, 1, opt.empty() ? 0 : 1);
    append_name(b, name);
    put16(b, type);
    put16(b, 1);
    append(b, opt);
    return b;
}

}  // namespace

Bytes Rng::bytes(std::size_t n) {
    Bytes out(n);
    for (std::uint8_t& b : out) b = byte();
    return out;
}

std::string_view mutation_name(Mutation kind) {
    static constexpr std::array<std::string_view, kMutationKinds> names = {
        "bit flips",   "byte changes",  "junk appended", "wrong counts", "compression pointers",
        "long labels", "long names",    "bad EDNS",      "bad ECS",      "random type/class",
        "QR=1",        "other opcodes", "zero-length",   "random bytes", "65507-byte"};
    return names[static_cast<std::size_t>(kind)];
}

Mutator::Mutator(std::uint64_t seed) : rng_(seed) {
    const Bytes cookie = option(kCookie, {1, 2, 3, 4, 5, 6, 7, 8});
    const Bytes subnet = ecs(1, 24, 0, {10, 2, 0});
    for (std::size_t i = 0; i < kNames.size(); ++i) {
        const auto id = static_cast<std::uint16_t>(rng_.below(kFirstCheckedId));
        const std::uint16_t type = kTypes[i % kTypes.size()];
        seeds_.push_back(query(id, kNames[i], type, {}));
        seeds_.push_back(query(id, kNames[i], type, opt_record(1232, 0, 0x8000, {})));
        seeds_.push_back(query(id, kNames[i], type, opt_record(4096, 0, 0, subnet)));
        seeds_.push_back(query(id, kNames[i], type, opt_record(1232, 0, 0, cookie)));
    }
}

const Bytes& Mutator::seed() {
    return seeds_[rng_.below(seeds_.size())];
}

std::vector<Bytes> Mutator::truncations() const {
    std::vector<Bytes> out;
    for (const Bytes& s : seeds_) {
        for (std::size_t n = 0; n < s.size(); ++n) out.emplace_back(s.begin(), s.begin() + n);
    }
    return out;
}

Bytes Mutator::question() {
    Bytes b = header(static_cast<std::uint16_t>(rng_.below(kFirstCheckedId)), 0x0100, 1, 0);
    append_name(b, kNames[rng_.below(kNames.size())]);
    put16(b, kTypes[rng_.below(kTypes.size())]);
    put16(b, 1);
    return b;
}

Bytes Mutator::make(Mutation kind) {
    Bytes p = build(kind);
    if (!p.empty() && p[0] >= (kFirstCheckedId >> 8)) p[0] &= 0x7F;  // keep checked IDs apart
    return p;
}

Bytes Mutator::build(Mutation kind) {
    switch (kind) {
        case Mutation::BitFlip:
            return bit_flips();
        case Mutation::ByteChange:
            return byte_changes();
        case Mutation::Extend:
            return extend();
        case Mutation::Counts:
            return counts();
        case Mutation::Pointers:
            return pointers();
        case Mutation::LongLabel:
            return long_label();
        case Mutation::LongName:
            return long_name();
        case Mutation::BadEdns:
            return bad_edns();
        case Mutation::BadEcs:
            return bad_ecs();
        case Mutation::TypeClass:
            return type_class();
        case Mutation::QrSet:
        case Mutation::Opcode:
            return flags(kind == Mutation::QrSet);
        case Mutation::Empty:
            return {};
        case Mutation::Random:
            return rng_.bytes(rng_.below(4097));
        case Mutation::Huge: {
            Bytes p = seed();
            append(p, rng_.bytes(65507 - p.size()));
            return p;
        }
    }
    return {};
}

Bytes Mutator::bit_flips() {
    Bytes p = seed();
    for (std::size_t n = 1 + rng_.below(8); n > 0; --n) {
        p[rng_.below(p.size())] ^= static_cast<std::uint8_t>(1u << rng_.below(8));
    }
    return p;
}

Bytes Mutator::byte_changes() {
    static constexpr std::array<std::uint8_t, 8> edges = {0x00, 0xFF, 0xC0, 0x3F,
                                                          0x40, 0x80, 0x01, 0x7F};
    Bytes p = seed();
    for (std::size_t n = 1 + rng_.below(4); n > 0; --n) {
        p[rng_.below(p.size())] = rng_.chance(50) ? edges[rng_.below(edges.size())] : rng_.byte();
    }
    return p;
}

Bytes Mutator::flags(bool response) {
    Bytes p = seed();
    if (response) {
        p[2] = static_cast<std::uint8_t>(0x80 | rng_.byte());
    } else {  // opcodes 1..15: IQUERY, STATUS, NOTIFY, UPDATE, DSO and unassigned ones
        p[2] = static_cast<std::uint8_t>((p[2] & 0x87) | (1 + rng_.below(15)) << 3);
    }
    if (rng_.chance(30)) p[3] = rng_.byte();
    return p;
}

Bytes Mutator::extend() {
    Bytes p = seed();
    switch (rng_.below(3)) {
        case 0:
            append(p, rng_.bytes(1 + rng_.below(600)));
            break;
        case 1:
            p.insert(p.end(), 1 + rng_.below(64), 0xC0);
            break;
        default: {
            const Bytes copy = p;
            append(p, copy);  // a second message where records would be
            break;
        }
    }
    return p;
}

Bytes Mutator::counts() {
    Bytes p = seed();
    static constexpr std::array<std::uint16_t, 6> values = {0, 1, 2, 3, 0xFFFF, 0x8000};
    const std::size_t first = rng_.below(5);  // 4: every count
    for (std::size_t i = 0; i < 4; ++i) {
        if (first != 4 && i != first) continue;
        const auto v = rng_.chance(70) ? values[rng_.below(values.size())]
                                       : static_cast<std::uint16_t>(rng_.next());
        set16(p, 4 + 2 * i, v);
    }
    return p;
}

Bytes Mutator::pointers() {
    Bytes p = header(static_cast<std::uint16_t>(rng_.below(kFirstCheckedId)), 0x0100, 1, 0);
    switch (rng_.below(7)) {
        case 0:  // points at itself
            p.insert(p.end(), {0xC0, 12});
            break;
        case 1:  // a label, then back to the start: a.a.a.a...
            p.insert(p.end(), {1, 'a', 0xC0, 12});
            break;
        case 2:  // two pointers pointing at each other
            p.insert(p.end(), {0xC0, 14, 0xC0, 12});
            break;
        case 3:  // forward: past the pointer, into the type, class or beyond the end
            p.insert(p.end(), {1, 'a', 0xC0, static_cast<std::uint8_t>(16 + rng_.below(40))});
            break;
        case 4:  // into the header
            p.insert(p.end(), {0xC0, static_cast<std::uint8_t>(rng_.below(12))});
            break;
        case 5:  // the largest offset
            p.insert(p.end(), {0xFF, 0xFF});
            break;
        default:  // a long chain of labels ending in a loop
            for (std::size_t i = 0; i < 40; ++i) p.insert(p.end(), {1, 'x'});
            p.insert(p.end(), {0xC0, static_cast<std::uint8_t>(12 + 2 * rng_.below(40))});
            break;
    }
    put16(p, kTypes[rng_.below(kTypes.size())]);
    put16(p, 1);
    if (rng_.chance(30)) {  // and an OPT owned by a pointer to the question
        set16(p, 10, 1);
        p.insert(p.end(), {0xC0, 12});
        const Bytes opt = opt_record(1232, 0, 0, {});
        p.insert(p.end(), opt.begin() + 1, opt.end());
    }
    return p;
}

Bytes Mutator::long_label() {
    Bytes p = header(static_cast<std::uint16_t>(rng_.below(kFirstCheckedId)), 0x0100, 1, 0);
    if (rng_.chance(50)) p.insert(p.end(), {4, 'm', 'a', 'i', 'l'});
    const auto length = static_cast<std::uint8_t>(64 + rng_.below(192));
    p.push_back(length);
    append(p, rng_.bytes(rng_.chance(50) ? (length & 0x3F) : rng_.below(300)));
    p.push_back(0);
    put16(p, 1);
    put16(p, 1);
    return p;
}

Bytes Mutator::long_name() {
    // 255 octets is the longest legal name (RFC 1035 §3.1): aim at it, then beyond.
    const std::size_t target = rng_.chance(20) ? 255 : 256 + rng_.below(245);
    Bytes p = header(static_cast<std::uint16_t>(rng_.below(kFirstCheckedId)), 0x0100, 1, 0);
    std::size_t name = 1;  // the root label
    while (name < target) {
        const std::size_t label = std::min<std::size_t>(63, target - name - 1);
        if (label == 0) break;
        p.push_back(static_cast<std::uint8_t>(label));
        p.insert(p.end(), label, static_cast<std::uint8_t>('a' + rng_.below(26)));
        name += label + 1;
    }
    p.push_back(0);
    put16(p, kTypes[rng_.below(kTypes.size())]);
    put16(p, 1);
    return p;
}

Bytes Mutator::bad_edns() {
    Bytes p = question();
    std::uint16_t udp = 1232;
    std::uint8_t version = 0;
    Bytes options;
    std::size_t copies = 1;
    switch (rng_.below(8)) {
        case 0:
            copies = 2 + rng_.below(2);
            break;
        case 1:  // an option longer than the RDATA
            options = {0, 10, 0, static_cast<std::uint8_t>(9 + rng_.below(200)), 1, 2, 3, 4};
            break;
        case 2:  // half an option header
            options = rng_.bytes(1 + rng_.below(3));
            break;
        case 3: {
            static constexpr std::array<std::uint16_t, 6> sizes = {0, 1, 511, 512, 4096, 65535};
            udp = sizes[rng_.below(sizes.size())];
            break;
        }
        case 4:
            version = static_cast<std::uint8_t>(1 + rng_.below(255));
            break;
        case 5:  // many options, some unknown
            for (std::size_t n = 1 + rng_.below(60); n > 0; --n) {
                append(options,
                       option(static_cast<std::uint16_t>(rng_.next()), rng_.bytes(rng_.below(20))));
            }
            break;
        default:
            break;
    }
    Bytes opt = opt_record(udp, version, static_cast<std::uint16_t>(rng_.next()), options);
    opt[5] = rng_.chance(20) ? rng_.byte() : 0;  // extended RCODE bits in a query
    if (rng_.chance(15)) opt[0] = 3;             // a non-root owner: "\003" eats the type
    if (rng_.chance(15))
        set16(opt, 9,
              static_cast<std::uint16_t>(options.size() + 1 + rng_.below(100)));  // RDLENGTH
    for (std::size_t i = 0; i < copies; ++i) append(p, opt);
    set16(p, 10, static_cast<std::uint16_t>(copies));
    if (rng_.chance(10)) {  // the OPT in the answer or authority section instead
        set16(p, 10, 0);
        set16(p, rng_.chance(50) ? 6 : 8, 1);
    }
    return p;
}

Bytes Mutator::bad_ecs() {
    Bytes p = question();
    static constexpr std::array<std::uint16_t, 5> families = {1, 2, 0, 3, 0xFFFF};
    const std::uint16_t family = families[rng_.below(families.size())];
    const auto source =
        static_cast<std::uint8_t>(rng_.chance(50) ? rng_.byte() : 20 + rng_.below(120));
    const auto scope = static_cast<std::uint8_t>(rng_.chance(50) ? 0 : rng_.byte());
    Bytes address = rng_.bytes(rng_.below(20));  // rarely the length the prefix asks
    Bytes options = ecs(family, source, scope, address);
    if (rng_.chance(20)) append(options, ecs(1, 32, 0, {127, 0, 2, 1}));  // two ECS options
    if (rng_.chance(10)) options.resize(options.size() - 1);
    append(p, opt_record(1232, 0, 0, options));
    set16(p, 10, 1);
    return p;
}

Bytes Mutator::type_class() {
    static constexpr std::array<std::uint16_t, 16> types = {0,     41, 250, 251, 252, 253, 254, 255,
                                                            65535, 46, 6,   2,   99,  5,   12,  64};
    static constexpr std::array<std::uint16_t, 7> classes = {1, 3, 4, 254, 255, 0, 2};
    Bytes p = seed();
    // The question of a seed ends 4 bytes before its OPT, or at its end.
    std::size_t at = kHeader;
    while (at < p.size() && p[at] != 0) at += 1 + p[at];
    at += 1;
    const auto type =
        rng_.chance(50) ? types[rng_.below(types.size())] : static_cast<std::uint16_t>(rng_.next());
    const auto qclass = rng_.chance(70) ? classes[rng_.below(classes.size())]
                                        : static_cast<std::uint16_t>(rng_.next());
    set16(p, at, type);
    set16(p, at + 2, qclass);
    if (get16(p, 4) != 1) set16(p, 4, 1);
    return p;
}

}  // namespace sitedns::soak
