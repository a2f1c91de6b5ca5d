//! The lab's refusal logic: any code with any reason is either accepted or refused with a message,
//! and the handshake endpoint's status parser accepts only what it can answer.
#![no_main]

use closecodes_cli::lab::{handshake_status, refusal};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (u32, &str, &str)| {
    let (code, reason, status) = input;
    if let Some(why) = refusal(code, reason) {
        assert!(!why.is_empty());
    } else {
        // What the lab accepts can be sent: a code a Close frame may carry, a reason of at most
        // 123 bytes (RFC 6455, section 5.5: control frames carry at most 125 bytes).
        assert!((1000..=4999).contains(&code), "{code} accepted");
        assert!(reason.len() <= 123, "{} bytes accepted", reason.len());
    }
    match handshake_status(status) {
        Ok(s) => assert!((400..=599).contains(&s.as_u16()), "{status:?} → {s}"),
        Err(why) => assert!(!why.is_empty() && why.len() < 400),
    }
});
