namespace Acd.Sip;
