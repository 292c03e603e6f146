-- Reserved for patrol and drone logs, incident statistics (#19); replaced by its front.
SELECT 1;
