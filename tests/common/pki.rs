//! Certificates made at run time with rcgen: a test CA, and server certificates it signs,
//! good or broken in one way each. Nothing secret is committed.

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
};
use slack_sessions_emulator::{Emulator, TlsIdentity};

/// What is wrong with a server certificate, if anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Leaf {
    /// Valid for `127.0.0.1` and `localhost`, now.
    Good,
    /// Valid only for `other.example`.
    WrongHost,
    /// Expired in 2001.
    Expired,
}

/// A certificate authority that exists only for one test.
pub(crate) struct TestCa {
    issuer: CertifiedIssuer<'static, KeyPair>,
}

impl TestCa {
    pub(crate) fn new(name: &str) -> TestCa {
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("ca params");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let key = KeyPair::generate().expect("ca key");
        TestCa {
            issuer: CertifiedIssuer::self_signed(params, key).expect("ca cert"),
        }
    }

    /// The CA's certificate, to trust.
    pub(crate) fn pem(&self) -> String {
        self.issuer.pem()
    }

    /// A server certificate signed by this CA, and its key, both PEM.
    pub(crate) fn leaf(&self, leaf: Leaf) -> (String, String) {
        let names: Vec<String> = match leaf {
            Leaf::WrongHost => vec!["other.example".into()],
            _ => vec!["127.0.0.1".into(), "localhost".into()],
        };
        let mut params = CertificateParams::new(names).expect("leaf params");
        params
            .distinguished_name
            .push(DnType::CommonName, "slack-sessions test server");
        if leaf == Leaf::Expired {
            params.not_before = rcgen::date_time_ymd(2000, 1, 1);
            params.not_after = rcgen::date_time_ymd(2001, 1, 1);
        }
        let key = KeyPair::generate().expect("leaf key");
        let cert = params.signed_by(&key, &self.issuer).expect("leaf cert");
        (cert.pem(), key.serialize_pem())
    }

    /// An emulator serving https with a certificate of this CA.
    pub(crate) fn emulator(&self, leaf: Leaf) -> Emulator {
        let (cert, key) = self.leaf(leaf);
        Emulator::builder()
            .rate_limit(None)
            .tls(TlsIdentity::from_pem(cert.as_bytes(), key.as_bytes()).expect("identity"))
            .start()
            .expect("tls emulator")
    }
}
