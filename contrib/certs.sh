#!/bin/sh
# Makes a throwaway certificate set for the demo and the tests:
#   ca.crt/ca.key          a CA (loopback use only)
#   server.crt/server.key  RSA-2048 server certificate for localhost/127.0.0.1/::1
#   server-ec.crt/.key     ECDSA P-256 server certificate, same names
#   client.crt/client.key  a client certificate (CN=demo, UID=demo)
# Usage: contrib/certs.sh DIR   (files that already exist are kept)
set -eu

dir=${1:?usage: $0 DIR}
mkdir -p "$dir"
cd "$dir"

days=365
san="subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1"

if [ ! -f ca.crt ]; then
  openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt \
    -days "$days" -subj "/O=mod_secftp demo/CN=mod_secftp demo CA" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
fi

# issue NAME KEYSPEC SUBJECT EXT: a key and a certificate signed by the CA.
issue() {
  name=$1 keyspec=$2 subject=$3 ext=$4
  [ -f "$name.crt" ] && return 0
  openssl req -new -newkey "$keyspec" -nodes -keyout "$name.key" \
    -out "$name.csr" -subj "$subject" 2>/dev/null
  printf '%s\n' "$ext" >"$name.ext"
  openssl x509 -req -in "$name.csr" -CA ca.crt -CAkey ca.key \
    -CAcreateserial -out "$name.crt" -days "$days" -sha256 \
    -extfile "$name.ext" 2>/dev/null
  rm -f "$name.csr" "$name.ext"
}

issue server rsa:2048 "/O=mod_secftp demo/CN=localhost" \
  "$san
extendedKeyUsage=serverAuth"
if [ ! -f server-ec.crt ]; then
  openssl ecparam -name prime256v1 -genkey -noout -out server-ec.key
  openssl req -new -key server-ec.key -out server-ec.csr \
    -subj "/O=mod_secftp demo/CN=localhost" 2>/dev/null
  printf '%s\nextendedKeyUsage=serverAuth\n' "$san" >server-ec.ext
  openssl x509 -req -in server-ec.csr -CA ca.crt -CAkey ca.key \
    -CAcreateserial -out server-ec.crt -days "$days" -sha256 \
    -extfile server-ec.ext 2>/dev/null
  rm -f server-ec.csr server-ec.ext
fi
issue client rsa:2048 "/O=mod_secftp demo/OU=Users/UID=demo/CN=demo" \
  "extendedKeyUsage=clientAuth"

chmod 0600 ./*.key
