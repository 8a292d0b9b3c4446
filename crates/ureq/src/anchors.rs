//! Mozilla's roots as certificates, for ureq's list of roots, without linking a second
//! copy of them.
//!
//! ureq trusts either its own compiled-in roots (webpki-roots' trust anchors) or a list
//! of certificates, not both. To list those roots with extra ones, each anchor is written
//! back as the smallest certificate that rustls's parser turns into the same anchor: a
//! v1 certificate (a v3 one with only the name constraints extension, for the few
//! anchors that have them) with an empty signature. rustls takes a trusted root's subject,
//! key and name constraints and never checks its own signature, so nothing of the trust
//! decision rests on the parts left empty. The tests check that every anchor comes back
//! unchanged.

use rustls::pki_types::TrustAnchor;

/// `anchor` as a DER certificate that rustls reads back as the same anchor.
pub(crate) fn certificate_der(anchor: &TrustAnchor<'_>) -> Vec<u8> {
    const SEQUENCE: u8 = 0x30;
    // ecdsa-with-SHA256; any algorithm would do, as long as both copies agree.
    const ALGORITHM: &[u8] = &[
        0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02,
    ];
    let subject = tlv(SEQUENCE, &anchor.subject);
    let mut tbs = Vec::new();
    if anchor.name_constraints.is_some() {
        tbs.extend(tlv(0xa0, &[0x02, 0x01, 0x02])); // [0] version v3
    }
    tbs.extend([0x02, 0x01, 0x01]); // serial 1
    tbs.extend(ALGORITHM);
    tbs.extend(&subject); // issuer: itself
    tbs.extend(tlv(SEQUENCE, &[])); // validity: never read for a root
    tbs.extend(&subject);
    tbs.extend(tlv(SEQUENCE, &anchor.subject_public_key_info));
    if let Some(nc) = &anchor.name_constraints {
        // [3] { SEQUENCE { SEQUENCE { id-ce-nameConstraints, critical, OCTET STRING {
        // NameConstraints } } } }
        let mut ext = vec![0x06, 0x03, 0x55, 0x1d, 0x1e, 0x01, 0x01, 0xff];
        ext.extend(tlv(0x04, &tlv(SEQUENCE, nc)));
        tbs.extend(tlv(0xa3, &tlv(SEQUENCE, &tlv(SEQUENCE, &ext))));
    }
    let mut cert = tlv(SEQUENCE, &tbs);
    cert.extend(ALGORITHM);
    cert.extend([0x03, 0x01, 0x00]); // an empty signature
    tlv(SEQUENCE, &cert)
}

/// One DER tag-length-value.
fn tlv(tag: u8, value: &[u8]) -> Vec<u8> {
    let len = value.len();
    let mut out = Vec::with_capacity(len + 4);
    out.push(tag);
    if len < 0x80 {
        out.push(len as u8);
    } else if len <= 0xff {
        out.extend([0x81, len as u8]);
    } else {
        // Anchors are far below 64 KiB.
        out.extend([0x82, (len >> 8) as u8, len as u8]);
    }
    out.extend_from_slice(value);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::pki_types::CertificateDer;

    #[test]
    fn every_mozilla_root_reads_back_as_the_same_anchor() {
        let roots = webpki_roots::TLS_SERVER_ROOTS;
        let ders: Vec<CertificateDer<'static>> = roots
            .iter()
            .map(|a| CertificateDer::from(certificate_der(a)))
            .collect();
        let mut store = rustls::RootCertStore::empty();
        let (added, ignored) = store.add_parsable_certificates(ders);
        assert_eq!((added, ignored), (roots.len(), 0));
        assert_eq!(store.roots, roots.to_vec());
        assert!(
            roots.iter().any(|a| a.name_constraints.is_some()),
            "the v3 form is exercised"
        );
    }

    #[test]
    fn lengths_use_the_short_and_both_long_forms() {
        assert_eq!(tlv(0x04, &[1; 3])[..2], [0x04, 3]);
        assert_eq!(tlv(0x04, &[1; 200])[..3], [0x04, 0x81, 200]);
        assert_eq!(tlv(0x04, &[1; 300])[..4], [0x04, 0x82, 0x01, 0x2c]);
    }
}
