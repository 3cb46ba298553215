#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <iterator>
#include <memory>
#include <string_view>
#include <vector>

#include "zones/load/zone_readers.h"

namespace sitedns {

/// Where a view's zone comes from: a file, one of the example zones built into the
/// binary (`builtin` holds its JSON text and `path` its name), or a zone generated from
/// the sites topology (`generated`, shared by every view that holds it).
struct ZoneSource {
    std::filesystem::path path;
    std::string_view builtin;
    std::shared_ptr<const model::ZoneData> generated;
    /// `{ "file": ..., "transparent": true }` (SPEC §5, Unbound's `transparent`): only names
    /// with records are answered from it; others are handled as if it were absent. Its
    /// SOA is optional.
    bool transparent = false;
    /// Whether a generated zone gives way to a zone of the view (SPEC §3.3): it is left out
    /// of a view that holds such a zone, which then answers its names.
    enum class GivesWay : std::uint8_t {
        Never,
        ToSameOrigin,  ///< to a zone at its origin: a site's own zone given as a file
        ToZoneAbove,   ///< also to an authoritative zone above it: the suffix's zone
    };
    GivesWay gives_way = GivesWay::Never;
    friend bool operator==(const ZoneSource&, const ZoneSource&) = default;
};

/// The zones of one view, in order, as a list of ZoneSource. A site's view (SPEC §3.3)
/// holds the generated zones of every other site: that part is one list shared by every
/// site view, of which a view leaves out one run (its own site's entries), followed by
/// the view's own entries. So N site views cost N references, not N² entries; an explicit
/// view's list is its own entries alone. It reads as one list either way; writing to an
/// entry of the shared part first copies the list for this view alone.
class ZoneList {
  public:
    /// Reads the entries in order; dereferences to `const ZoneSource&`.
    class const_iterator {
      public:
        using iterator_category = std::random_access_iterator_tag;
        using value_type = ZoneSource;
        using difference_type = std::ptrdiff_t;
        using pointer = const ZoneSource*;
        using reference = const ZoneSource&;

        const_iterator() = default;
        const_iterator(const ZoneList* list, std::size_t index) : list_(list), index_(index) {}
        reference operator*() const { return (*list_)[index_]; }
        pointer operator->() const { return &(*list_)[index_]; }
        reference operator[](difference_type n) const { return *(*this + n); }
        const_iterator& operator++() { return ++index_, *this; }
        const_iterator operator++(int) { return {list_, index_++}; }
        const_iterator& operator--() { return --index_, *this; }
        const_iterator operator--(int) { return {list_, index_--}; }
        const_iterator& operator+=(difference_type n) { return index_ += n, *this; }
        const_iterator& operator-=(difference_type n) { return index_ -= n, *this; }
        friend const_iterator operator+(const_iterator it, difference_type n) { return it += n; }
        friend const_iterator operator+(difference_type n, const_iterator it) { return it += n; }
        friend const_iterator operator-(const_iterator it, difference_type n) { return it -= n; }
        friend difference_type operator-(const const_iterator& a, const const_iterator& b) {
            return static_cast<difference_type>(a.index_) - static_cast<difference_type>(b.index_);
        }
        friend bool operator==(const const_iterator& a, const const_iterator& b) {
            return a.index_ == b.index_;
        }
        friend auto operator<=>(const const_iterator& a, const const_iterator& b) {
            return a.index_ <=> b.index_;
        }

      private:
        const ZoneList* list_ = nullptr;
        std::size_t index_ = 0;
    };
    using iterator = const_iterator;
    using value_type = ZoneSource;
    using size_type = std::size_t;

    ZoneList() = default;
    ZoneList(std::initializer_list<ZoneSource> entries) : own_(entries) {}
    ZoneList(std::vector<ZoneSource> entries) : own_(std::move(entries)) {}  // NOLINT

    /// The entries of `shared` without its run [skip_first, skip_first + skip_count),
    /// then whatever is appended. Every entry of `shared` must be a generated zone that
    /// never gives way (ZoneSource::GivesWay::Never), as the sites topology makes them:
    /// compile_views compiles the shared part once for every view holding it.
    static ZoneList sharing(std::shared_ptr<const std::vector<ZoneSource>> shared,
                            std::size_t skip_first, std::size_t skip_count);

    std::size_t size() const { return shared_size() + own_.size(); }
    bool empty() const { return size() == 0; }
    const ZoneSource& operator[](std::size_t i) const {
        const std::size_t head = shared_size();
        if (i >= head) return own_[i - head];
        return (*shared_)[i < skip_first_ ? i : i + skip_count_];
    }
    /// Copies the shared part into this list first when `i` lies in it.
    ZoneSource& operator[](std::size_t i);
    const ZoneSource& back() const { return (*this)[size() - 1]; }
    const_iterator begin() const { return {this, 0}; }
    const_iterator end() const { return {this, size()}; }

    void push_back(ZoneSource source) { own_.push_back(std::move(source)); }
    void reserve(std::size_t count) {
        own_.reserve(count > shared_size() ? count - shared_size() : 0);
    }

    /// The shared part (nullptr when there is none) and the run of it left out.
    const std::shared_ptr<const std::vector<ZoneSource>>& shared() const { return shared_; }
    std::size_t skip_first() const { return skip_first_; }
    std::size_t skip_count() const { return skip_count_; }
    /// The entries after the shared part: all of them when there is none.
    const std::vector<ZoneSource>& own() const { return own_; }

    friend bool operator==(const ZoneList& a, const ZoneList& b);
    friend bool operator==(const ZoneList& a, const std::vector<ZoneSource>& b);

  private:
    std::size_t shared_size() const { return shared_ ? shared_->size() - skip_count_ : 0; }

    std::shared_ptr<const std::vector<ZoneSource>> shared_;
    std::size_t skip_first_ = 0;
    std::size_t skip_count_ = 0;
    std::vector<ZoneSource> own_;
};

}  // namespace sitedns
