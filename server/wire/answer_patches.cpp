// Threads: see server/wire/answer_patches.h.
#include "server/wire/answer_patches.h"

#include <algorithm>

#include "server/wire/header.h"

namespace sitedns::wire {

void AnswerPatches::note_owner_pointer() {
    if (pointers.count == 0 || owner_pointers == kMax) return;  // the log overflowed
    owner_pointer_at[owner_pointers++] = pointers.at[pointers.count - 1];
}

void AnswerPatches::roll_back(std::size_t size) {
    while (owner_pointers != 0 && owner_pointer_at[owner_pointers - 1] >= size) --owner_pointers;
}

bool AnswerPatches::ends_owner(std::size_t at) const {
    return std::find(owner_pointer_at, owner_pointer_at + owner_pointers, at) !=
           owner_pointer_at + owner_pointers;
}

void write_pointer(std::span<std::uint8_t> message, std::size_t at, std::size_t target) {
    message[at] = static_cast<std::uint8_t>(kPointerBits | target >> 8);
    message[at + 1] = static_cast<std::uint8_t>(target);
}

void count_down_ttl(std::span<std::uint8_t> message, std::size_t at, std::uint32_t age) {
    const std::uint32_t ttl = load_u32(message, at);
    store_u32(message, at, ttl > age ? ttl - age : 0);
}

}  // namespace sitedns::wire
