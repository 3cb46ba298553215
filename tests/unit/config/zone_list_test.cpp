// A view's zone list over the site views' shared part (ZoneList::sharing) reads as the
// list it stands for; writing to a shared entry changes this view's list alone.

#include "config/zone_list.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace sitedns {
namespace {

ZoneSource generated(const std::string& origin) {
    auto data = std::make_shared<model::ZoneData>();
    data->origin = dns::Name::parse_absolute(origin);
    data->generated = true;
    ZoneSource source;
    source.generated = std::move(data);
    return source;
}

TEST(ZoneList, SharingReadsAsTheListWithoutItsRun) {
    auto shared = std::make_shared<std::vector<ZoneSource>>();
    for (const char* origin : {"a.corp.", "b.corp.", "mail-b.example.com.", "c.corp."}) {
        shared->push_back(generated(origin));
    }
    ZoneList list = ZoneList::sharing(shared, 1, 2);
    ZoneSource own = generated("b.corp.");
    own.gives_way = ZoneSource::GivesWay::ToSameOrigin;
    list.push_back(own);
    const std::vector<ZoneSource> expected{(*shared)[0], (*shared)[3], own};
    EXPECT_EQ(list, expected);
    EXPECT_EQ(list.size(), 3U);
    EXPECT_EQ(list.back(), own);
    EXPECT_EQ(std::vector<ZoneSource>(list.begin(), list.end()), expected);
    EXPECT_EQ(list.own(), std::vector<ZoneSource>{own});
    EXPECT_EQ(list.shared(), shared);
}

TEST(ZoneList, WritingASharedEntryCopiesTheListForThisViewAlone) {
    auto shared = std::make_shared<std::vector<ZoneSource>>(
        std::vector<ZoneSource>{generated("a.corp."), generated("b.corp.")});
    ZoneList first = ZoneList::sharing(shared, 0, 1);
    const ZoneList second = ZoneList::sharing(shared, 1, 1);
    first[0].transparent = true;
    EXPECT_TRUE(first[0].transparent);
    EXPECT_EQ(first.shared(), nullptr);
    EXPECT_FALSE((*shared)[1].transparent);
    EXPECT_FALSE(second[0].transparent);
    EXPECT_EQ(first.size(), 1U);
}

TEST(ZoneList, PlainListIsItsOwnEntries) {
    ZoneList list{generated("a.corp.")};
    list.push_back(generated("b.corp."));
    EXPECT_EQ(list.size(), 2U);
    EXPECT_EQ(list.shared(), nullptr);
    EXPECT_EQ(list[1].generated->origin.to_text(), "b.corp.");
    EXPECT_TRUE(ZoneList{}.empty());
}

}  // namespace
}  // namespace sitedns
