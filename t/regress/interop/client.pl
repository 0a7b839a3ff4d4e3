#!/usr/bin/perl
# Runs an interop plan (t/regress/interop.py) with Perl's Net::FTP and
# IO::Socket::SSL: starttls (or SSL => 1 for implicit FTPS), stoptls for
# CCC.  Every connection shares one TLS session cache, so a second control
# connection offers the first one's session.  Stops at the first failure.
#
#   client.pl plan.json                 Net::FTP as shipped: its data
#                                       sockets look their session up under
#                                       their own host:port, never finding
#                                       the control connection's one
#   client.pl plan.json --session-key   every socket uses the control
#                                       connection's cache key (the client
#                                       setting that makes it resume)
use strict;
use warnings;
use IO::Socket::SSL;
use JSON::PP;
use Net::FTP;

my $plan = do {
    open(my $fh, '<', $ARGV[0]) or die "$ARGV[0]: $!";
    local $/;
    decode_json(<$fh>);
};
my $cache = IO::Socket::SSL::Session_Cache->new(16);
if (grep { $_ eq '--session-key' } @ARGV[1 .. $#ARGV]) {
    IO::Socket::SSL::set_client_defaults(SSL_session_key => $plan->{host});
}

for my $s (@{ $plan->{sessions} }) {
    my $ftp = Net::FTP->new($plan->{host},
        Port => $plan->{port}, Passive => 1, Timeout => $plan->{timeout},
        SSL => $plan->{implicit} ? 1 : 0,
        SSL_ca_file => $plan->{ca}, SSL_session_cache => $cache)
        or die "connect: $@\n";
    if (!$plan->{implicit}) {
        $ftp->starttls() or die "starttls: " . $ftp->message;
    }
    $ftp->login($s->{user}, $s->{password})
        or die "login: " . $ftp->message;
    $ftp->binary();
    if ($plan->{ccc}) {
        $ftp->stoptls() or die "CCC: " . $ftp->message;
    }
    for my $op (@{ $s->{ops} }) {
        my ($kind, $local, $remote) = @$op;
        my $ok = $kind eq 'get' ? $ftp->get($remote, $local)
                                : $ftp->put($local, $remote);
        $ok or die "$kind $remote: " . $ftp->message;
    }
    $ftp->quit();
}
