// The notifications sd_notify(3) sends for the Service: datagrams to a path or an
// abstract socket named by $NOTIFY_SOCKET, nothing at all without it, a warning (never an
// exception) when the socket cannot be reached.

#include "server/runtime/notify.h"

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace sitedns::runtime {
namespace {

/// A unix datagram socket standing in for systemd's notification socket.
class FakeSystemdSocket {
  public:
    /// Binds `address`: a path, or "@name" for the abstract namespace.
    explicit FakeSystemdSocket(std::string address) : address_(std::move(address)) {
        fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_un un{};
        un.sun_family = AF_UNIX;
        std::memcpy(un.sun_path, address_.data(), address_.size());
        if (address_.front() == '@') un.sun_path[0] = '\0';
        const auto length =
            static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address_.size());
        bound_ = fd_ >= 0 && ::bind(fd_, reinterpret_cast<sockaddr*>(&un), length) == 0;
    }
    ~FakeSystemdSocket() {
        if (fd_ >= 0) ::close(fd_);
        if (address_.front() == '/') ::unlink(address_.c_str());
    }
    FakeSystemdSocket(const FakeSystemdSocket&) = delete;
    FakeSystemdSocket& operator=(const FakeSystemdSocket&) = delete;

    bool bound() const { return bound_; }
    const std::string& address() const { return address_; }

    /// The next queued datagram, or nullopt when none is waiting (a unix datagram is
    /// queued by the time sendto() returns, so there is nothing to wait for).
    std::optional<std::string> receive() {
        char buffer[4096];
        const ssize_t n = ::recv(fd_, buffer, sizeof buffer, MSG_DONTWAIT);
        if (n < 0) return std::nullopt;
        return std::string(buffer, static_cast<std::size_t>(n));
    }

  private:
    std::string address_;
    int fd_ = -1;
    bool bound_ = false;
};

std::string unique_name(const char* kind) {
    static int counter = 0;
    return std::string("sitedns-notify-test-") + kind + "-" + std::to_string(::getpid()) + "-" +
           std::to_string(++counter);
}

std::string temp_path() {
    const char* dir = std::getenv("TMPDIR");
    return std::string(dir != nullptr && *dir != '\0' ? dir : "/tmp") + "/" + unique_name("path");
}

/// Sets NOTIFY_SOCKET for one test and restores the environment afterwards; captures
/// what is logged meanwhile.
class NotifyTest : public ::testing::Test {
  protected:
    void SetUp() override {
        if (const char* old = std::getenv("NOTIFY_SOCKET")) saved_ = old;
        saved_logger_ = spdlog::default_logger();
        spdlog::set_default_logger(std::make_shared<spdlog::logger>(
            "notify_test", std::make_shared<spdlog::sinks::ostream_sink_st>(log_)));
    }
    void TearDown() override {
        spdlog::set_default_logger(saved_logger_);
        if (saved_) {
            ::setenv("NOTIFY_SOCKET", saved_->c_str(), 1);
        } else {
            ::unsetenv("NOTIFY_SOCKET");
        }
    }
    static void use_socket(const std::string& address) {
        ::setenv("NOTIFY_SOCKET", address.c_str(), 1);
    }
    std::string logged() const { return log_.str(); }

  private:
    std::optional<std::string> saved_;
    std::shared_ptr<spdlog::logger> saved_logger_;
    std::ostringstream log_;
};

TEST_F(NotifyTest, SendsReadyAndStoppingToAPathSocket) {
    FakeSystemdSocket systemd(temp_path());
    ASSERT_TRUE(systemd.bound()) << std::strerror(errno);
    use_socket(systemd.address());

    SystemdNotifier notifier;
    notifier.ready();
    EXPECT_EQ(systemd.receive(), "READY=1");
    notifier.stopping();
    EXPECT_EQ(systemd.receive(), "STOPPING=1");
    EXPECT_EQ(systemd.receive(), std::nullopt);
    EXPECT_EQ(logged(), "");
}

TEST_F(NotifyTest, SendsToAnAbstractSocket) {
    FakeSystemdSocket systemd("@" + unique_name("abstract"));
    ASSERT_TRUE(systemd.bound()) << std::strerror(errno);
    use_socket(systemd.address());

    SystemdNotifier notifier;
    notifier.ready();
    EXPECT_EQ(systemd.receive(), "READY=1");
    notifier.stopping();
    EXPECT_EQ(systemd.receive(), "STOPPING=1");
}

TEST_F(NotifyTest, WorksThroughTheServiceHook) {
    FakeSystemdSocket systemd("@" + unique_name("hook"));
    ASSERT_TRUE(systemd.bound());
    use_socket(systemd.address());
    SystemdNotifier systemd_notifier;
    Notifier& hook = systemd_notifier;  // what Service and Reloader hold
    hook.ready();
    hook.reloading();
    hook.ready();
    hook.stopping();
    EXPECT_EQ(systemd.receive(), "READY=1");
    const auto reloading = systemd.receive();
    ASSERT_TRUE(reloading);
    EXPECT_EQ(reloading->rfind("RELOADING=1\n", 0), 0u) << *reloading;
    EXPECT_EQ(systemd.receive(), "READY=1");
    EXPECT_EQ(systemd.receive(), "STOPPING=1");
}

TEST_F(NotifyTest, ReloadingCarriesTheMonotonicClock) {
    FakeSystemdSocket systemd("@" + unique_name("reload"));
    ASSERT_TRUE(systemd.bound());
    use_socket(systemd.address());
    SystemdNotifier notifier;

    const std::uint64_t before = monotonic_usec();
    notifier.reloading();
    const std::uint64_t after = monotonic_usec();
    const auto message = systemd.receive();
    ASSERT_TRUE(message);
    const std::string prefix = "RELOADING=1\nMONOTONIC_USEC=";
    ASSERT_EQ(message->substr(0, prefix.size()), prefix);
    const std::string digits = message->substr(prefix.size());
    ASSERT_FALSE(digits.empty());
    EXPECT_EQ(digits.find_first_not_of("0123456789"), std::string::npos) << digits;
    const std::uint64_t usec = std::stoull(digits);
    EXPECT_LE(before, usec);
    EXPECT_LE(usec, after);
}

TEST_F(NotifyTest, NothingIsSentOrLoggedWithoutNotifySocket) {
    FakeSystemdSocket systemd("@" + unique_name("unset"));
    ASSERT_TRUE(systemd.bound());
    ::unsetenv("NOTIFY_SOCKET");
    SystemdNotifier notifier;
    notifier.ready();
    notifier.reloading();
    notifier.stopping();
    EXPECT_EQ(systemd.receive(), std::nullopt);
    EXPECT_EQ(logged(), "");
}

TEST_F(NotifyTest, AnUnreachableSocketIsLoggedNotThrown) {
    for (const std::string& address :
         {std::string("relative/path"), "@" + unique_name("nobody-listens"), temp_path()}) {
        use_socket(address);
        SystemdNotifier notifier;
        EXPECT_NO_THROW(notifier.ready());
        EXPECT_NE(logged().find("NOTIFY_SOCKET " + address + ": cannot send READY=1"),
                  std::string::npos)
            << logged();
    }
}

}  // namespace
}  // namespace sitedns::runtime
