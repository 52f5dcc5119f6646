package authtest

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// SMTPMessage is one message received by an SMTPServer.
type SMTPMessage struct {
	From     string
	To       []string
	Data     string // as received, dot-unstuffed, CRLF line ends
	TLS      bool   // received after STARTTLS
	AuthUser string // "" without AUTH
}

// SMTPServer is a tiny SMTP server (RFC 5321: EHLO/HELO, optional STARTTLS
// and AUTH PLAIN, MAIL, RCPT, DATA, RSET, NOOP, QUIT) on 127.0.0.1 for the
// tests of the invitation mails. It keeps every message it accepts.
type SMTPServer struct {
	Addr string
	// TLS: offer STARTTLS with a self-signed certificate for 127.0.0.1
	// (RootCAs verifies it).
	TLS     bool
	RootCAs *x509.CertPool
	// User and Password: offer AUTH PLAIN and require it (empty: no AUTH).
	User, Password string
	// RejectRcpt refuses every recipient (550) to test failed sends.
	RejectRcpt bool

	l        net.Listener
	tlsConf  *tls.Config
	mu       sync.Mutex
	messages []SMTPMessage
	wg       sync.WaitGroup
}

// StartSMTP starts a server configured by configure (may be nil), closed
// at the end of the test.
func StartSMTP(t testing.TB, configure func(*SMTPServer)) *SMTPServer {
	t.Helper()
	s := &SMTPServer{}
	if configure != nil {
		configure(s)
	}
	if s.TLS {
		cert, pool := selfSigned(t)
		s.tlsConf = &tls.Config{Certificates: []tls.Certificate{cert}}
		s.RootCAs = pool
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("SMTP listener: %v", err)
	}
	s.l, s.Addr = l, l.Addr().String()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			s.wg.Add(1)
			go func() { defer s.wg.Done(); s.serve(c) }()
		}
	}()
	t.Cleanup(func() { l.Close(); s.wg.Wait() })
	return s
}

// Messages returns the messages received so far.
func (s *SMTPServer) Messages() []SMTPMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]SMTPMessage(nil), s.messages...)
}

func (s *SMTPServer) serve(c net.Conn) {
	defer func() { c.Close() }()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	r, w := bufio.NewReader(c), bufio.NewWriter(c)
	reply := func(lines ...string) {
		for _, l := range lines {
			w.WriteString(l + "\r\n")
		}
		w.Flush()
	}
	reply("220 127.0.0.1 ESMTP maillage-test")
	var cur SMTPMessage
	isTLS, authed := false, false
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO":
			ext := []string{"250-127.0.0.1", "250-8BITMIME"}
			if s.TLS && !isTLS {
				ext = append(ext, "250-STARTTLS")
			}
			if s.User != "" {
				ext = append(ext, "250-AUTH PLAIN")
			}
			ext = append(ext, "250 SMTPUTF8")
			reply(ext...)
		case "HELO":
			reply("250 127.0.0.1")
		case "STARTTLS":
			if !s.TLS || isTLS {
				reply("502 5.5.1 non disponible")
				continue
			}
			reply("220 2.0.0 prêt")
			tc := tls.Server(c, s.tlsConf)
			if err := tc.Handshake(); err != nil {
				return
			}
			c, isTLS = tc, true
			r, w = bufio.NewReader(tc), bufio.NewWriter(tc)
			cur = SMTPMessage{}
		case "AUTH":
			mech, resp, _ := strings.Cut(arg, " ")
			if s.User == "" || !strings.EqualFold(mech, "PLAIN") {
				reply("504 5.5.4 mécanisme non pris en charge")
				continue
			}
			if resp == "" {
				reply("334 ")
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				resp = strings.TrimSpace(l)
			}
			b, _ := base64.StdEncoding.DecodeString(resp)
			parts := strings.Split(string(b), "\x00")
			if len(parts) == 3 && parts[1] == s.User && parts[2] == s.Password {
				authed, cur.AuthUser = true, parts[1]
				reply("235 2.7.0 authentifié")
			} else {
				reply("535 5.7.8 identifiants refusés")
			}
		case "MAIL":
			if s.User != "" && !authed {
				reply("530 5.7.0 authentification requise")
				continue
			}
			cur = SMTPMessage{From: addrArg(arg), TLS: isTLS, AuthUser: cur.AuthUser}
			reply("250 2.1.0 ok")
		case "RCPT":
			if s.RejectRcpt {
				reply("550 5.1.1 boîte inconnue")
				continue
			}
			cur.To = append(cur.To, addrArg(arg))
			reply("250 2.1.5 ok")
		case "DATA":
			if cur.From == "" || len(cur.To) == 0 {
				reply("503 5.5.1 MAIL et RCPT d'abord")
				continue
			}
			reply("354 fin par <CRLF>.<CRLF>")
			var data strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" || l == ".\n" {
					break
				}
				data.WriteString(strings.TrimPrefix(l, "."))
			}
			cur.Data = data.String()
			s.mu.Lock()
			s.messages = append(s.messages, cur)
			s.mu.Unlock()
			cur = SMTPMessage{AuthUser: cur.AuthUser}
			reply("250 2.0.0 reçu")
		case "RSET":
			cur = SMTPMessage{AuthUser: cur.AuthUser}
			reply("250 2.0.0 ok")
		case "NOOP":
			reply("250 2.0.0 ok")
		case "QUIT":
			reply("221 2.0.0 au revoir")
			return
		default:
			reply("500 5.5.2 commande inconnue")
		}
	}
}

// addrArg extracts the address of "FROM:<a@b> ..." or "TO:<a@b>".
func addrArg(arg string) string {
	if i := strings.IndexByte(arg, '<'); i >= 0 {
		if j := strings.IndexByte(arg[i:], '>'); j > 0 {
			return arg[i+1 : i+j]
		}
	}
	return ""
}

func selfSigned(t testing.TB) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, BasicConstraintsValid: true, IsCA: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
}
